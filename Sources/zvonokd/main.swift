import Foundation
import ZvonokServer

exit(await ZvonokDaemon.run(arguments: Array(CommandLine.arguments.dropFirst())))
