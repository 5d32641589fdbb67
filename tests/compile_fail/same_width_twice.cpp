// compile-fail: the same width written twice is still a duplicate.
// expect: lowbit::scheme: more than one bits<B> tag
#include <lowbit/lowbit.hpp>
using S = lowbit::scheme<lowbit::bits<4>, lowbit::bits<4>>;
static_assert(lowbit::Scheme<S>);
