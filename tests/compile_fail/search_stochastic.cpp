// compile-fail: mse_search (which clips ranges) with stochastic rounding.
// expect: lowbit::scheme: stochastic_rounding is unbiased only when no element is clamped, and mse_search clips
// ranges; use min_max (the default) with stochastic_rounding
#include <lowbit/lowbit.hpp>
using S = lowbit::scheme<lowbit::asymmetric, lowbit::bits<4>, lowbit::mse_search, lowbit::stochastic_rounding>;
static_assert(lowbit::Scheme<S>);
