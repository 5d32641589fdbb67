// compile-fail: min_max and mse_search at once.
// expect: lowbit::scheme: more than one calibration tag; give one of min_max, mse_search
#include <lowbit/lowbit.hpp>
using S = lowbit::scheme<lowbit::min_max, lowbit::bits<4>, lowbit::mse_search>;
static_assert(lowbit::Scheme<S>);
