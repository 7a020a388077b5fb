# CMake toolchain file: build a project as hostbuild Linux programs with
# lucent-cc-host (the platform, tracer and metrics exporter linked in, USDT
# probes on; libm and the rest as for any Linux program).
#   cmake -S . -B build-host -DCMAKE_TOOLCHAIN_FILE=<lucent>/meson/lucent-host.cmake
get_filename_component(_lucent_tools "${CMAKE_CURRENT_LIST_DIR}/../tools" ABSOLUTE)
set(CMAKE_C_COMPILER "${_lucent_tools}/lucent-cc-host")
execute_process(COMMAND "${CMAKE_C_COMPILER}" --print-pkg-config-path
                OUTPUT_VARIABLE _lucent_pc OUTPUT_STRIP_TRAILING_WHITESPACE)
if(DEFINED ENV{PKG_CONFIG_PATH})
  set(ENV{PKG_CONFIG_PATH} "${_lucent_pc}:$ENV{PKG_CONFIG_PATH}")
else()
  set(ENV{PKG_CONFIG_PATH} "${_lucent_pc}")
endif()
