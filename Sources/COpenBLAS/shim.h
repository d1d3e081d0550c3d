// OpenBLAS's CBLAS interface (Debian libopenblas-dev; the multiarch cblas.h alternative).
#include <cblas.h>
