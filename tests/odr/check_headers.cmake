# tests/odr: every header under include/lowbit/ puts what it declares in the
# per-ISA namespace, so that a new header cannot forget the tag.
#
#   cmake -DINCLUDE_DIR=<repo>/include/lowbit [-DVOCABULARY=<a.hpp|b/c.hpp|...>] -P check_headers.cmake
#
# After comments, string / character literals and preprocessor lines are
# removed, each file may, outside any brace:
#   - open `namespace LOWBIT_NS {` or `namespace LOWBIT_NS::<anything> {`
#     (config.hpp: lowbit::inline LOWBIT_ISA_NAMESPACE), and then must include
#     "lowbit/config.hpp" itself (otherwise LOWBIT_NS may be an undefined macro,
#     i.e. a real namespace named LOWBIT_NS);
#   - open `namespace lowbit {` (or lowbit::<anything>) only if it is one of the
#     VOCABULARY files, paths relative to INCLUDE_DIR: the untagged vocabulary
#     types of config.hpp ("per-ISA symbols");
#   - contain nothing else: no other namespace (std, xsimd, anonymous, ...), no
#     definition in the global namespace (anything with a body, anything
#     inline / template / constexpr / static, any initializer). A plain
#     declaration there (void hook(int);, e.g. a function the program defines)
#     holds no code and is listed, not refused.
# Anything may be nested inside an allowed namespace.
cmake_minimum_required(VERSION 3.20)

if(NOT DEFINED INCLUDE_DIR OR NOT IS_DIRECTORY "${INCLUDE_DIR}")
  message(FATAL_ERROR "check_headers.cmake: -DINCLUDE_DIR=<include/lowbit> is required (got '${INCLUDE_DIR}')")
endif()
if(NOT DEFINED VOCABULARY)
  set(VOCABULARY "policy/tags.hpp|policy/scheme.hpp|types/float16.hpp|error.hpp|options.hpp")
endif()
string(REPLACE "|" ";" vocabulary "${VOCABULARY}")

file(GLOB_RECURSE files LIST_DIRECTORIES false RELATIVE "${INCLUDE_DIR}" "${INCLUDE_DIR}/*")
list(SORT files)
if(NOT files)
  message(FATAL_ERROR "check_headers.cmake: no files under ${INCLUDE_DIR}")
endif()

set(problems "")
set(global_decls "")
set(n_files 0)
set(n_tagged 0)
set(n_vocabulary 0)
foreach(rel IN LISTS files)
  math(EXPR n_files "${n_files} + 1")
  file(READ "${INCLUDE_DIR}/${rel}" text)
  list(FIND vocabulary "${rel}" vocab_index)
  set(is_vocabulary OFF)
  if(vocab_index GREATER_EQUAL 0)
    set(is_vocabulary ON)
  endif()
  set(includes_config OFF)
  if(text MATCHES "#[ \t]*include[ \t]*[\"<]lowbit/config\\.hpp[\">]")
    set(includes_config ON)
  endif()

  # List markers first: ';' '[' ']' '\' would confuse CMake lists.
  string(REPLACE "\\\\" "<bs><bs>" text "${text}")  # keep escaped backslashes distinct from escapes
  string(REPLACE ";" "<sc>" text "${text}")
  string(REPLACE "[" "<lb>" text "${text}")
  string(REPLACE "]" "<rb>" text "${text}")
  # Comments and literals, left to right, each replaced by a blank (block comments keep their line breaks).
  set(out "")
  while(TRUE)
    string(REGEX MATCH "(\"([^\"\\\\\n]|\\\\.)*\"|'([^'\\\\\n]|\\\\.)*'|//[^\n]*|/\\*([^*]|\\*+[^*/])*\\*+/)" m "${text}")
    if(m STREQUAL "")
      string(APPEND out "${text}")
      break()
    endif()
    string(FIND "${text}" "${m}" at)
    string(SUBSTRING "${text}" 0 ${at} before)
    string(LENGTH "${m}" len)
    math(EXPR rest_at "${at} + ${len}")
    string(SUBSTRING "${text}" ${rest_at} -1 text)
    string(REGEX REPLACE "[^\n]" "" breaks "${m}")
    string(APPEND out "${before} ${breaks}")
  endwhile()
  string(REPLACE "\\" "<bs>" out "${out}")
  string(REPLACE "\n" ";" lines "${out}")

  set(stack "")       # one entry per open brace: ns (an allowed namespace or nested in one) or other
  set(pending "")     # a namespace head waiting for its brace
  set(stmt "")        # text of the statement being read outside any brace
  set(continued OFF)  # inside a preprocessor directive continued with a backslash
  set(line_no 0)
  set(opened_tagged OFF)
  set(opened_vocabulary OFF)
  foreach(line IN LISTS lines)
    math(EXPR line_no "${line_no} + 1")
    if(continued OR line MATCHES "^[ \t]*#")
      set(continued OFF)
      if(line MATCHES "<bs>[ \t\r]*$")
        set(continued ON)
      endif()
      continue()
    endif()
    # Every character of the line lands in exactly one token.
    string(REGEX MATCHALL "namespace[ \t]*[A-Za-z0-9_:]*|[{}=]|<sc>|[^{}=<n]+|<|n" tokens "${line}")
    foreach(tok IN LISTS tokens)
      list(LENGTH stack depth)
      if(tok MATCHES "^namespace[ \t]*(.*)$")
        set(pending "ns:${CMAKE_MATCH_1}")
        if(CMAKE_MATCH_1 STREQUAL "")
          set(pending "ns:<anonymous>")
        endif()
      elseif(tok STREQUAL "{")
        if(pending MATCHES "^ns:(.*)$")
          set(name "${CMAKE_MATCH_1}")
          if(depth GREATER 0)
            list(APPEND stack ns)  # nested in an allowed namespace (or in code): not checked
          elseif(name STREQUAL "LOWBIT_NS" OR name MATCHES "^LOWBIT_NS::")
            list(APPEND stack ns)
            set(opened_tagged ON)
            if(NOT includes_config)
              string(APPEND problems "\n  ${rel}:${line_no}: opens namespace ${name} but does not include "
                                     "\"lowbit/config.hpp\" (LOWBIT_NS may be undefined there)")
            endif()
          elseif(name STREQUAL "lowbit" OR name MATCHES "^lowbit::")
            list(APPEND stack ns)
            if(is_vocabulary)
              set(opened_vocabulary ON)
            else()
              string(APPEND problems "\n  ${rel}:${line_no}: opens the untagged namespace ${name}; only the "
                                     "vocabulary headers (${VOCABULARY}) may. Use namespace LOWBIT_NS "
                                     "(include/lowbit/config.hpp, per-ISA symbols).")
            endif()
          else()
            list(APPEND stack ns)
            string(APPEND problems "\n  ${rel}:${line_no}: opens namespace ${name} outside lowbit's per-ISA "
                                   "namespace; use namespace LOWBIT_NS (include/lowbit/config.hpp, per-ISA symbols).")
          endif()
        else()
          if(depth EQUAL 0)
            string(STRIP "${stmt}" what)
            string(APPEND problems "\n  ${rel}:${line_no}: a definition outside any namespace: '${what} {'")
          endif()
          list(APPEND stack other)
        endif()
        set(pending "")
        set(stmt "")
      elseif(tok STREQUAL "}")
        if(depth EQUAL 0)
          string(APPEND problems "\n  ${rel}:${line_no}: unbalanced '}' (the scan is confused; check this file)")
        else()
          list(POP_BACK stack)
        endif()
        set(pending "")
        set(stmt "")
      elseif(tok STREQUAL "<sc>")
        # End of a statement. Outside any brace, a declaration without a body
        # (a hook a program defines, say) holds no code; one that can emit code
        # or a weak symbol (inline, template, constexpr, ...) cannot be there.
        string(STRIP "${stmt}" what)
        if(depth EQUAL 0 AND NOT pending AND NOT what STREQUAL "")
          if(what MATCHES "(^|[^A-Za-z0-9_])(inline|template|constexpr|consteval|constinit|thread_local|static)([^A-Za-z0-9_]|$)"
             OR what MATCHES "=")
            string(APPEND problems "\n  ${rel}:${line_no}: a declaration outside any namespace: '${what};'")
          else()
            string(APPEND global_decls "\n  ${rel}:${line_no}: ${what};")
          endif()
        endif()
        set(pending "")  # using namespace x; / namespace alias = x;
        set(stmt "")
      elseif(depth EQUAL 0 AND NOT pending)
        string(APPEND stmt "${tok}")
      endif()
    endforeach()
    if(stack STREQUAL "")
      string(APPEND stmt " ")
    endif()
  endforeach()
  list(LENGTH stack depth)
  if(NOT depth EQUAL 0)
    string(APPEND problems "\n  ${rel}: ${depth} braces left open at the end (the scan is confused; check this file)")
  endif()
  if(opened_tagged)
    math(EXPR n_tagged "${n_tagged} + 1")
  endif()
  if(opened_vocabulary)
    math(EXPR n_vocabulary "${n_vocabulary} + 1")
  endif()
endforeach()

if(NOT problems STREQUAL "")
  message(FATAL_ERROR "odr.headers: headers under ${INCLUDE_DIR} declare outside the per-ISA namespace:${problems}")
endif()
if(n_tagged EQUAL 0)
  message(FATAL_ERROR "odr.headers: no header opens namespace LOWBIT_NS: the scan is broken")
endif()
if(NOT global_decls STREQUAL "")
  string(REPLACE "<lb>" "[" global_decls "${global_decls}")
  string(REPLACE "<rb>" "]" global_decls "${global_decls}")
  message(STATUS "odr.headers: declarations without a body in the global namespace (allowed, no code):${global_decls}")
endif()
message(STATUS "odr.headers: passed: ${n_files} files; ${n_tagged} open namespace LOWBIT_NS, "
               "${n_vocabulary} the untagged vocabulary namespace lowbit (${VOCABULARY})")
