# cmake -DDOC=<architecture.md> -DGRAPH=<build>/module_graph.txt -P check_graph.cmake
# Fails unless the module table between <!-- module-graph --> and <!-- /module-graph --> in DOC
# (columns: module, links to, third-party) says what the build declares (GRAPH, written by
# src/CMakeLists.txt from each module's link list, one "module | modules | third-party" line).
cmake_minimum_required(VERSION 3.25)
file(READ ${DOC} doc)
string(FIND "${doc}" "<!-- module-graph -->" begin)
string(FIND "${doc}" "<!-- /module-graph -->" end)
if(begin EQUAL -1 OR end EQUAL -1 OR end LESS begin)
  message(FATAL_ERROR "${DOC}: no <!-- module-graph --> ... <!-- /module-graph --> block")
endif()
math(EXPR length "${end} - ${begin}")
string(SUBSTRING "${doc}" ${begin} ${length} block)
string(REPLACE "\n" ";" rows "${block}")

set(documented "")
foreach(row IN LISTS rows)
  # Table rows only, not the header row or the |---| rule.
  if(NOT row MATCHES "^\\|" OR row MATCHES "^\\|[ -]*\\|[ -|]*$" OR row MATCHES "^\\| *module *\\|")
    continue()
  endif()
  string(REPLACE "`" "" row "${row}")
  string(REPLACE "—" "-" row "${row}")
  string(REGEX REPLACE "^\\|" "" row "${row}")
  string(REPLACE "|" ";" cells "${row}")
  list(SUBLIST cells 0 3 cells)
  list(TRANSFORM cells STRIP)
  list(JOIN cells " | " line)
  list(APPEND documented "${line}")
endforeach()

file(STRINGS ${GRAPH} declared)
list(SORT documented)
list(SORT declared)
if(NOT documented STREQUAL declared)
  list(JOIN documented "\n  " documented_text)
  list(JOIN declared "\n  " declared_text)
  message(FATAL_ERROR "module graph disagrees: ${DOC} and the build\n"
                      "documented:\n  ${documented_text}\ndeclared by CMake:\n  ${declared_text}")
endif()
message(STATUS "module graph: ${DOC} matches the build")
