// compile-fail: a user struct that is not a policy tag, even one with the members of a tag.
// expect: lowbit::scheme: unknown policy tag; every argument must be a lowbit policy tag
// (symmetric/symmetric_full_range/asymmetric,
// bits<B>, per_tensor/per_channel/per_group<G>, code_word<W>, scale<T>, zero_point<Z>,
// round_to_nearest_even/stochastic_rounding, min_max/mse_search)
#include <lowbit/lowbit.hpp>
struct my_bits {
  static constexpr int value = 4;
};
using S = lowbit::scheme<my_bits, lowbit::symmetric>;
static_assert(lowbit::Scheme<S>);
