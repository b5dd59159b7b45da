#pragma once

#include <cstdint>

// Heap allocations made by this program so far, through every form of operator new. A bench that
// counts allocations compiles allocation_counter.cpp into its executable (not into a shared
// library: it replaces the global operator new); a separate translation unit, so that no call
// site inlines the replacement.
std::uint64_t allocationCount();
