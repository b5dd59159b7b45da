#pragma once

#include <cstdint>

// Heap allocations made by this program so far, through every form of operator new (the program
// replaces the global operator new in allocation_counter.cpp; a separate translation unit, so
// that no call site inlines the replacement).
std::uint64_t allocationCount();
