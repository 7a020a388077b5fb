# CMake toolchain file: build a project into Lucent images with lucent-cc.
#   cmake -S . -B build-image -DCMAKE_TOOLCHAIN_FILE=<lucent>/meson/lucent-image.cmake
# Every executable target becomes a bootable PVH image (`lucent run PATH`);
# static libraries are the host's ar archives. There are no shared libraries.
set(CMAKE_SYSTEM_NAME Generic)       # not Linux: no shared objects, no -rdynamic
set(CMAKE_SYSTEM_PROCESSOR x86_64)
get_filename_component(_lucent_tools "${CMAKE_CURRENT_LIST_DIR}/../tools" ABSOLUTE)
set(CMAKE_C_COMPILER "${_lucent_tools}/lucent-cc")
# Programs and headers come from this machine; only the compiler is the image's.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
# The image has a POSIX C library (newlib, ours): let projects take their UNIX paths.
set(UNIX 1)
# pkg-config finds lucent.pc for the image, and no .pc file of the host's.
execute_process(COMMAND "${CMAKE_C_COMPILER}" --print-pkg-config-path
                OUTPUT_VARIABLE _lucent_pc OUTPUT_STRIP_TRAILING_WHITESPACE)
set(ENV{PKG_CONFIG_LIBDIR} "${_lucent_pc}")
# Images need an exe_wrapper to run: try_run results come from booting them.
set(CMAKE_CROSSCOMPILING_EMULATOR "${_lucent_tools}/lucent;exec")
