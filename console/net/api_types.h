#pragma once

// Every area's value types, for code that spans areas (proto_convert, the facades' shared parts).
// Code of one area includes that area's header.
#include "net/audit_types.h"
#include "net/config_types.h"
#include "net/connection_types.h"
#include "net/health_types.h"
#include "net/registry_types.h"
#include "net/rollout_types.h"
