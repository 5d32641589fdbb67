// compile-fail: two code widths.
// expect: lowbit::scheme: more than one bits<B> tag
#include <lowbit/lowbit.hpp>
using S = lowbit::scheme<lowbit::bits<4>, lowbit::per_group<32>, lowbit::bits<3>>;
static_assert(lowbit::Scheme<S>);
