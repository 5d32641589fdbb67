// compile-fail: two rounding modes.
// expect: lowbit::scheme: more than one rounding tag; give one of round_to_nearest_even, stochastic_rounding
#include <lowbit/lowbit.hpp>
using S = lowbit::scheme<lowbit::stochastic_rounding, lowbit::round_to_nearest_even>;
static_assert(lowbit::Scheme<S>);
