// compile-fail: two scale types.
// expect: lowbit::scheme: more than one scale<T> tag
#include <lowbit/lowbit.hpp>
using S = lowbit::scheme<lowbit::scale<lowbit::fp16>, lowbit::bits<4>, lowbit::scale<float>>;
static_assert(lowbit::Scheme<S>);
