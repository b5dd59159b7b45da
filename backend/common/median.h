#pragma once

#include <vector>

namespace aegis {

// The middle value of `values` (the mean of the two middle ones for an even count); 0 when empty.
double median(std::vector<double> values);

} // namespace aegis
