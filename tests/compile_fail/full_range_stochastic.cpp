// compile-fail: stochastic rounding with symmetric_full_range (which clamps: biased).
// expect: lowbit::scheme: stochastic_rounding is unbiased only when no element is clamped, and
// symmetric_full_range clamps the side opposite the extreme; use symmetric or asymmetric
#include <lowbit/lowbit.hpp>
using S = lowbit::scheme<lowbit::symmetric_full_range, lowbit::bits<4>, lowbit::stochastic_rounding>;
static_assert(lowbit::Scheme<S>);
