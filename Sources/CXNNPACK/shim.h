// XNNPACK's subgraph API and pthreadpool, as Debian's libxnnpack-dev and libpthreadpool-dev ship them.
#include <xnnpack.h>
#include <pthreadpool.h>
