// compile-fail: symmetric_full_range with one bit (two levels, which symmetric already uses).
// expect: lowbit::scheme: symmetric_full_range needs bits<B> with B >= 2; with B = 1, symmetric already uses
// both levels
#include <lowbit/lowbit.hpp>
using S = lowbit::scheme<lowbit::symmetric_full_range, lowbit::bits<1>, lowbit::per_group<32>>;
static_assert(lowbit::Scheme<S>);
