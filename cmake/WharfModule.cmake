# wharf_module(NAME SOURCES ... DEPS ...)
# One static library per src/<module>, named wharf_<module>, with its dependencies declared.
# Public headers live at src/<module>/*.h and are included as "<module>/foo.h".
function(wharf_module name)
  cmake_parse_arguments(M "" "" "SOURCES;DEPS;PUBLIC_DEPS" ${ARGN})
  add_library(wharf_${name} STATIC ${M_SOURCES})
  target_include_directories(wharf_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(wharf_${name} PUBLIC ${M_PUBLIC_DEPS} PRIVATE ${M_DEPS})
endfunction()
