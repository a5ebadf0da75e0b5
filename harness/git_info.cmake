# Writes build_info_values.h with the git commit and dirty flag of SOURCE (cmake -P; SOURCE, OUT given).
# Runs at every build; the header only changes (and recompiles build_info.cpp) when the values do.
set(commit "")
set(dirty 0)
find_package(Git QUIET)
if(GIT_FOUND)
  execute_process(COMMAND ${GIT_EXECUTABLE} -C ${SOURCE} rev-parse HEAD OUTPUT_VARIABLE commit
                  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    set(commit "")
  else()
    execute_process(COMMAND ${GIT_EXECUTABLE} -C ${SOURCE} status --porcelain --untracked-files=no
                    OUTPUT_VARIABLE changes ERROR_QUIET)
    if(NOT changes STREQUAL "")
      set(dirty 1)
    endif()
  endif()
endif()
file(WRITE ${OUT}.tmp "#pragma once\n#define DREAM_EVAL_GIT_COMMIT \"${commit}\"\n#define DREAM_EVAL_GIT_DIRTY ${dirty}\n")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different ${OUT}.tmp ${OUT})
