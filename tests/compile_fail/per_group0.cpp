// compile-fail: an empty group.
// expect: lowbit::per_group<G>: the group size G must be at least 1
#include <lowbit/lowbit.hpp>
using S = lowbit::scheme<lowbit::bits<4>, lowbit::per_group<0>>;
static_assert(lowbit::Scheme<S>);
