# Third-party packages. Debian 12 (dev machines, CI) and Ubuntu 24.04 + PyTorch 2.x (GPU machine) both work:
# CMake packages where they exist, pkg-config for re2, utf8proc and libseccomp.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(CLI11 CONFIG REQUIRED)

# LibTorch: Debian's 1.13 is found without hints; for PyTorch's bundled one pass
# -DCMAKE_PREFIX_PATH="$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')".
find_package(Torch REQUIRED)
# One interface target for LibTorch so only the libraries that need it see its (heavy) headers.
add_library(dream_torch INTERFACE)
target_link_libraries(dream_torch INTERFACE ${TORCH_LIBRARIES})
target_include_directories(dream_torch SYSTEM INTERFACE ${TORCH_INCLUDE_DIRS})

pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)
pkg_check_modules(UTF8PROC REQUIRED IMPORTED_TARGET libutf8proc)

# CUDA: AUTO turns it on only when both nvcc and a CUDA-enabled LibTorch are present.
set(DREAM_EVAL_WITH_CUDA OFF)
if(NOT DREAM_EVAL_CUDA STREQUAL "OFF")
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER AND TORCH_CUDA_LIBRARIES)
    set(DREAM_EVAL_WITH_CUDA ON)
  elseif(DREAM_EVAL_CUDA STREQUAL "ON")
    message(FATAL_ERROR "DREAM_EVAL_CUDA=ON but no nvcc or no CUDA-enabled LibTorch was found")
  endif()
endif()
if(DREAM_EVAL_WITH_CUDA)
  # One CUDA runtime in the process: the shared libcudart LibTorch also uses (the default, a static cudart in
  # our kernels, would be a second runtime beside LibTorch's).
  set(CMAKE_CUDA_RUNTIME_LIBRARY Shared)
  enable_language(CUDA)
  # Found here, at the top directory, so CUDA::cudart is visible to every folder (LibTorch's own config may have
  # created it already; FindCUDAToolkit then keeps that target).
  find_package(CUDAToolkit REQUIRED)
  if(NOT CMAKE_CUDA_ARCHITECTURES)
    # Hopper machine code plus compute_80 PTX, which the driver compiles for any newer GPU.
    set(CMAKE_CUDA_ARCHITECTURES "90-real;80-virtual" CACHE STRING "CUDA architectures" FORCE)
  endif()
endif()
message(STATUS "dream-eval: LibTorch ${Torch_VERSION}, CUDA path ${DREAM_EVAL_WITH_CUDA}")
