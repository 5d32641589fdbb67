// compile-fail: a non-policy type (int).
// expect: lowbit::scheme: unknown policy tag; every argument must be a lowbit policy tag
// (symmetric/symmetric_full_range/asymmetric,
// bits<B>, per_tensor/per_channel/per_group<G>, code_word<W>, scale<T>, zero_point<Z>,
// round_to_nearest_even/stochastic_rounding, min_max/mse_search)
#include <lowbit/lowbit.hpp>
using S = lowbit::scheme<lowbit::bits<4>, int>;
static_assert(lowbit::Scheme<S>);
