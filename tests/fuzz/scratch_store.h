#pragma once

#include "store/store.h"

namespace aegis::fuzz {

// A SQLite store in a temporary directory, opened on first use and removed at exit, for the
// decoders and validators that are members of an object built on a store. Nothing is written.
store::Store &scratchStore();

} // namespace aegis::fuzz
