// compile-fail: two granularities.
// expect: lowbit::scheme: more than one granularity tag; give one of per_tensor, per_channel, per_group<G>
#include <lowbit/lowbit.hpp>
using S = lowbit::scheme<lowbit::per_channel, lowbit::bits<4>, lowbit::per_group<32>>;
static_assert(lowbit::Scheme<S>);
