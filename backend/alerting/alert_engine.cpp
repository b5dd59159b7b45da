#include "alerting/alert_engine.h"
