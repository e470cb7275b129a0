import Foundation
import ZvonokCtlCommands

exit(await ZvonokCtl.run(arguments: Array(CommandLine.arguments.dropFirst())))
