import Foundation
import ZvonokCtlCommands

exit(ZvonokCtl.run(arguments: Array(CommandLine.arguments.dropFirst())))
