# Finds xsimd (>= 8) and works around Debian 12's xsimd config, whose target
# names "xtl" as a link library without defining it ("-lxtl: No such file").
if(NOT TARGET xsimd)
  find_package(xsimd REQUIRED)
endif()
if(xsimd_VERSION VERSION_LESS 8)
  message(FATAL_ERROR "lowbit needs xsimd >= 8 (found ${xsimd_VERSION})")
endif()
get_target_property(_lowbit_xsimd_links xsimd INTERFACE_LINK_LIBRARIES)
if(_lowbit_xsimd_links STREQUAL "xtl" AND NOT TARGET xtl)
  add_library(xtl INTERFACE IMPORTED)
endif()
unset(_lowbit_xsimd_links)
