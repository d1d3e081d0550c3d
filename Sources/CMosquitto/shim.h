// libmosquitto (Debian libmosquitto-dev): the MQTT client `lookout mqtt` publishes with. Its API is
// plain C with callbacks that take a context pointer, which Swift imports as is.
#include <mosquitto.h>
