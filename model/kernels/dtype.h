#pragma once
// Element types the kernels accept, named without LibTorch so the launchers stay torch-free.
namespace dream::kernels {

enum class DType {
  F32,   // float
  BF16,  // __nv_bfloat16
  F16,   // __half
};

}  // namespace dream::kernels
