// A small, bounds-checked reader of safetensors files (the format Hugging Face
// models ship their weights in), for the accuracy benchmark, its regression
// test and the demo. Not part of the library: lowbit quantizes float arrays,
// wherever they come from.
//
// The format (https://github.com/huggingface/safetensors):
//   bytes [0, 8)        N, a little-endian uint64: the header's length
//   bytes [8, 8 + N)    the header, a UTF-8 JSON object:
//                         { "<name>": { "dtype": "F32", "shape": [r, c],
//                                       "data_offsets": [begin, end] }, ...,
//                           "__metadata__": { "<key>": "<string>", ... } }
//   bytes [8 + N, ...)  the data; a tensor's bytes are [8 + N + begin, 8 + N + end),
//                       little-endian, row-major
//
// The header is untrusted input: every length, offset and shape product is
// checked (against the file's size and against overflow) before any use, the
// JSON parser bounds its nesting depth, and any violation throws
// safetensors::format_error naming what is wrong. Nothing is read outside the
// file's bytes.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace lowbit_bench::safetensors {

/// A malformed file or header, or a request it cannot serve.
struct format_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// One tensor of the header, checked: its data lies inside the file and holds
/// exactly product(shape) elements of dtype.
struct tensor_info {
  std::string name;
  std::string dtype;               ///< "F32", "F16", "BF16", "I64", ...
  std::vector<std::size_t> shape;  ///< empty for a scalar
  std::size_t begin = 0, end = 0;  ///< data_offsets, relative to the data section
  std::size_t elements() const {
    std::size_t n = 1;
    for (std::size_t d : shape) n *= d;  // checked when the header was read
    return n;
  }
};

/// Bytes per element of a dtype name of the safetensors spec; 0 if unknown.
inline std::size_t dtype_size(std::string_view dtype) {
  static constexpr std::pair<std::string_view, std::size_t> sizes[] = {
      {"BOOL", 1}, {"U8", 1},  {"I8", 1},  {"F8_E5M2", 1}, {"F8_E4M3", 1}, {"I16", 2}, {"U16", 2}, {"F16", 2},
      {"BF16", 2}, {"I32", 4}, {"U32", 4}, {"F32", 4},     {"F64", 8},     {"I64", 8}, {"U64", 8}};
  for (const auto& [name, size] : sizes)
    if (name == dtype) return size;
  return 0;
}

namespace json {

/// The JSON values a safetensors header holds. Numbers are non-negative
/// integers (shapes and offsets); any other number is refused.
struct value;
using object = std::vector<std::pair<std::string, value>>;  // in file order; duplicates refused
using array = std::vector<value>;
struct value {
  std::variant<std::nullptr_t, bool, std::uint64_t, std::string, array, object> v;
};

/// Recursive-descent parser over [text, text + size): every access is bounds
/// checked; nesting deeper than max_depth is refused.
class parser {
 public:
  static constexpr int max_depth = 32;

  explicit parser(std::string_view text) : s_(text) {}

  value parse_document() {
    value v = parse_value(0);
    skip_space();
    if (i_ != s_.size()) fail("unexpected text after the JSON value");
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw format_error("safetensors: header JSON at byte " + std::to_string(i_) + ": " + what);
  }
  void skip_space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }
  char peek() {
    skip_space();
    if (i_ >= s_.size()) fail("unexpected end of the header");
    return s_[i_];
  }
  void expect(char c) {
    if (peek() != c) fail(std::string("expected '") + c + "'");
    ++i_;
  }
  bool literal(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) return false;
    i_ += word.size();
    return true;
  }

  value parse_value(int depth) {
    if (depth > max_depth) fail("nesting deeper than " + std::to_string(max_depth));
    const char c = peek();
    if (c == '{') return value{parse_object(depth)};
    if (c == '[') return value{parse_array(depth)};
    if (c == '"') return value{parse_string()};
    if (c >= '0' && c <= '9') return value{parse_integer()};
    if (literal("true")) return value{true};
    if (literal("false")) return value{false};
    if (literal("null")) return value{nullptr};
    fail("expected a value (only non-negative integers are accepted as numbers)");
  }

  object parse_object(int depth) {
    object o;
    expect('{');
    if (peek() == '}') {
      ++i_;
      return o;
    }
    for (;;) {
      if (peek() != '"') fail("expected a string key");
      std::string key = parse_string();
      for (const auto& [k, v] : o)
        if (k == key) fail("duplicate key \"" + key + "\"");
      expect(':');
      o.emplace_back(std::move(key), parse_value(depth + 1));
      if (peek() == ',') {
        ++i_;
        continue;
      }
      expect('}');
      return o;
    }
  }

  array parse_array(int depth) {
    array a;
    expect('[');
    if (peek() == ']') {
      ++i_;
      return a;
    }
    for (;;) {
      a.push_back(parse_value(depth + 1));
      if (peek() == ',') {
        ++i_;
        continue;
      }
      expect(']');
      return a;
    }
  }

  std::uint64_t parse_integer() {
    std::uint64_t n = 0;
    const std::size_t start = i_;
    while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') {
      const auto digit = static_cast<std::uint64_t>(s_[i_] - '0');
      if (n > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) fail("integer does not fit in 64 bits");
      n = n * 10 + digit;
      ++i_;
    }
    if (i_ - start > 1 && s_[start] == '0') fail("integer with a leading zero");
    if (i_ < s_.size() && (s_[i_] == '.' || s_[i_] == 'e' || s_[i_] == 'E')) fail("non-integer number");
    return n;
  }

  static void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  std::uint32_t parse_hex4() {
    if (s_.size() - i_ < 4) fail("truncated \\u escape");
    std::uint32_t cp = 0;
    for (int k = 0; k < 4; ++k) {
      const char h = s_[i_++];
      cp <<= 4;
      if (h >= '0' && h <= '9')
        cp |= static_cast<std::uint32_t>(h - '0');
      else if (h >= 'a' && h <= 'f')
        cp |= static_cast<std::uint32_t>(h - 'a' + 10);
      else if (h >= 'A' && h <= 'F')
        cp |= static_cast<std::uint32_t>(h - 'A' + 10);
      else
        fail("bad hex digit in a \\u escape");
    }
    return cp;
  }

  std::string parse_string() {
    expect('"');
    std::string out;
    for (;;) {
      if (i_ >= s_.size()) fail("unterminated string");
      const char c = s_[i_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) fail("control character in a string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (i_ >= s_.size()) fail("unterminated escape");
      switch (const char e = s_[i_++]) {
        case '"':
        case '\\':
        case '/':
          out += e;
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          std::uint32_t cp = parse_hex4();
          if (cp >= 0xD800 && cp < 0xDC00) {  // a high surrogate: its low half must follow
            if (!literal("\\u")) fail("unpaired surrogate in a \\u escape");
            const std::uint32_t low = parse_hex4();
            if (low < 0xDC00 || low >= 0xE000) fail("unpaired surrogate in a \\u escape");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          } else if (cp >= 0xDC00 && cp < 0xE000) {
            fail("unpaired surrogate in a \\u escape");
          }
          append_utf8(out, cp);
          break;
        }
        default:
          fail("bad escape in a string");
      }
    }
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

}  // namespace json

/// A safetensors file held in memory, with its header parsed and checked.
class file {
 public:
  /// The largest header accepted (the spec's own limit is 100 MB).
  static constexpr std::size_t max_header_bytes = std::size_t{100} << 20;

  /// Reads and checks `path`; throws format_error (or std::runtime_error if the
  /// file cannot be read).
  static file open(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) throw std::runtime_error("safetensors: cannot open " + path.string());
    const std::streamoff size = in.tellg();
    if (size < 0) throw std::runtime_error("safetensors: cannot read the size of " + path.string());
    std::vector<std::byte> bytes(static_cast<std::size_t>(size));
    in.seekg(0);
    if (!in.read(reinterpret_cast<char*>(bytes.data()), size))
      throw std::runtime_error("safetensors: cannot read " + path.string());
    return from_bytes(std::move(bytes));
  }

  /// Checks the bytes of a whole file (what open() reads).
  static file from_bytes(std::vector<std::byte> bytes) {
    file f;
    f.bytes_ = std::move(bytes);
    f.parse_header();
    return f;
  }

  const std::vector<tensor_info>& tensors() const noexcept { return tensors_; }
  const std::vector<std::pair<std::string, std::string>>& metadata() const noexcept { return metadata_; }

  const tensor_info& at(std::string_view name) const {
    for (const auto& t : tensors_)
      if (t.name == name) return t;
    throw format_error("safetensors: no tensor named \"" + std::string(name) + "\"");
  }

  /// The tensor's bytes, in the file.
  const std::byte* data(const tensor_info& t) const noexcept { return bytes_.data() + data_start_ + t.begin; }

  /// An F32 tensor's values, in row-major order.
  std::vector<float> read_f32(const tensor_info& t) const {
    if (t.dtype != "F32") throw format_error("safetensors: tensor \"" + t.name + "\" is " + t.dtype + ", not F32");
    std::vector<float> v(t.elements());
    const std::byte* p = data(t);
    for (std::size_t i = 0; i < v.size(); ++i) {
      std::uint32_t u = 0;
      for (int k = 3; k >= 0; --k)
        u = (u << 8) | std::to_integer<std::uint32_t>(p[4 * i + static_cast<std::size_t>(k)]);
      v[i] = std::bit_cast<float>(u);
    }
    return v;
  }

 private:
  file() = default;

  [[noreturn]] static void fail(const std::string& what) { throw format_error("safetensors: " + what); }

  static std::size_t to_size(std::uint64_t n, const std::string& what) {
    if (n > std::numeric_limits<std::size_t>::max()) fail(what + " does not fit in size_t");
    return static_cast<std::size_t>(n);
  }

  void parse_header() {
    if (bytes_.size() < 8) fail("file of " + std::to_string(bytes_.size()) + " bytes: shorter than the 8-byte length");
    std::uint64_t n = 0;
    for (int k = 7; k >= 0; --k) n = (n << 8) | std::to_integer<std::uint64_t>(bytes_[static_cast<std::size_t>(k)]);
    if (n > max_header_bytes) fail("header length " + std::to_string(n) + " exceeds the 100 MB limit");
    if (n > bytes_.size() - 8)
      fail("header length " + std::to_string(n) + " runs past the end of the file (" + std::to_string(bytes_.size()) +
           " bytes)");
    data_start_ = 8 + static_cast<std::size_t>(n);
    const std::size_t data_bytes = bytes_.size() - data_start_;
    const std::string_view text(reinterpret_cast<const char*>(bytes_.data() + 8), static_cast<std::size_t>(n));

    json::value doc = json::parser(text).parse_document();
    auto* entries = std::get_if<json::object>(&doc.v);
    if (!entries) fail("the header is not a JSON object");
    for (auto& [name, entry] : *entries) {
      if (name == "__metadata__") {
        auto* meta = std::get_if<json::object>(&entry.v);
        if (!meta) fail("__metadata__ is not an object");
        for (auto& [k, v] : *meta) {
          auto* s = std::get_if<std::string>(&v.v);
          if (!s) fail("__metadata__ value \"" + k + "\" is not a string");
          metadata_.emplace_back(k, *s);
        }
        continue;
      }
      tensors_.push_back(parse_tensor(name, entry, data_bytes));
    }
    // No two tensors may share bytes.
    std::vector<const tensor_info*> by_begin;
    for (const auto& t : tensors_)
      if (t.end > t.begin) by_begin.push_back(&t);
    std::sort(by_begin.begin(), by_begin.end(), [](auto* a, auto* b) { return a->begin < b->begin; });
    for (std::size_t i = 1; i < by_begin.size(); ++i)
      if (by_begin[i]->begin < by_begin[i - 1]->end)
        fail("tensors \"" + by_begin[i - 1]->name + "\" and \"" + by_begin[i]->name + "\" overlap");
  }

  static tensor_info parse_tensor(const std::string& name, const json::value& entry, std::size_t data_bytes) {
    const std::string where = "tensor \"" + name + "\": ";
    auto* o = std::get_if<json::object>(&entry.v);
    if (!o) fail(where + "not an object");
    const json::value *dtype = nullptr, *shape = nullptr, *offsets = nullptr;
    for (const auto& [k, v] : *o) {
      if (k == "dtype")
        dtype = &v;
      else if (k == "shape")
        shape = &v;
      else if (k == "data_offsets")
        offsets = &v;
      else
        fail(where + "unknown field \"" + k + "\"");
    }
    if (!dtype || !shape || !offsets) fail(where + "needs dtype, shape and data_offsets");

    tensor_info t;
    t.name = name;
    auto* dt = std::get_if<std::string>(&dtype->v);
    if (!dt) fail(where + "dtype is not a string");
    t.dtype = *dt;
    const std::size_t esize = dtype_size(t.dtype);
    if (esize == 0) fail(where + "unknown dtype \"" + t.dtype + "\"");

    auto* dims = std::get_if<json::array>(&shape->v);
    if (!dims) fail(where + "shape is not an array");
    std::size_t elements = 1;
    bool overflow = false;
    for (const auto& d : *dims) {
      auto* n = std::get_if<std::uint64_t>(&d.v);
      if (!n) fail(where + "shape holds something other than a non-negative integer");
      const std::size_t dim = to_size(*n, where + "a dimension");
      t.shape.push_back(dim);
      if (dim != 0 && elements > std::numeric_limits<std::size_t>::max() / dim)
        overflow = true;
      else
        elements *= dim;
    }
    if (overflow || elements > std::numeric_limits<std::size_t>::max() / esize) fail(where + "shape product overflows");

    auto* off = std::get_if<json::array>(&offsets->v);
    if (!off || off->size() != 2) fail(where + "data_offsets is not an array of two integers");
    auto* b = std::get_if<std::uint64_t>(&(*off)[0].v);
    auto* e = std::get_if<std::uint64_t>(&(*off)[1].v);
    if (!b || !e) fail(where + "data_offsets is not an array of two integers");
    if (*b > *e) fail(where + "data_offsets [begin, end] with begin > end");
    if (*e > data_bytes)
      fail(where + "data_offsets end " + std::to_string(*e) + " is past the data section (" +
           std::to_string(data_bytes) + " bytes)");
    t.begin = static_cast<std::size_t>(*b);
    t.end = static_cast<std::size_t>(*e);
    if (t.end - t.begin != elements * esize)
      fail(where + "holds " + std::to_string(t.end - t.begin) + " bytes, its shape and dtype need " +
           std::to_string(elements * esize));
    return t;
  }

  std::vector<std::byte> bytes_;
  std::size_t data_start_ = 0;
  std::vector<tensor_info> tensors_;
  std::vector<std::pair<std::string, std::string>> metadata_;
};

}  // namespace lowbit_bench::safetensors
