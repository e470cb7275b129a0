// libosip2 needs these declared before its parser header.
#include <time.h>
#include <sys/time.h>
#include <osipparser2/osip_parser.h>
