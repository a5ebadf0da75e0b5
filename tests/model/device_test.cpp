// Device selection: the specs users type, and the errors that must say why a spec cannot be honoured.
#include <gtest/gtest.h>

#include "model/device.h"
#include "model/torch_compat.h"
#include "tests/support/error_of.h"

namespace dream::model {
namespace {

TEST(Device, CpuAndAutoSpecs) {
  EXPECT_TRUE(parse_device("cpu").is_cpu());
  const at::Device automatic = parse_device("auto");
  EXPECT_EQ(automatic.is_cuda(), built_with_cuda() && at::hasCUDA());
}

TEST(Device, MalformedSpecsNameTheValue) {
  EXPECT_NE(test::error_of([] { parse_device("gpu"); }).find("--device gpu: expected auto, cpu, cuda or cuda:N"), std::string::npos);
  EXPECT_NE(test::error_of([] { parse_device("cuda:one"); }).find("device index must be a number"), std::string::npos);
  EXPECT_NE(test::error_of([] { parse_device("cuda:"); }).find("device index must be a number"), std::string::npos);
}

TEST(Device, CudaSpecsSayWhyTheyCannotBeHonoured) {
  if (built_with_cuda() && at::hasCUDA()) {
    EXPECT_TRUE(parse_device("cuda").is_cuda());
    EXPECT_NE(test::error_of([] { parse_device("cuda:999"); }).find("CUDA device(s) visible"), std::string::npos);
  } else if (!built_with_cuda()) {
    EXPECT_NE(test::error_of([] { parse_device("cuda"); }).find("CPU-only build"), std::string::npos);
    EXPECT_NE(test::error_of([] { parse_device("cuda:1"); }).find("CPU-only build"), std::string::npos);
  } else {
    EXPECT_NE(test::error_of([] { parse_device("cuda"); }).find("no CUDA device is visible"), std::string::npos);
  }
}

TEST(Device, DescriptionAndPeakMemoryOnTheCpu) {
  EXPECT_EQ(device_description(at::kCPU).rfind("cpu (", 0), 0u);
  // After touching 64 MiB the peak resident set is at least that, in bytes (Linux reports kilobytes).
  at::Tensor big = at::ones({16 * 1024 * 1024}, at::kFloat);
  EXPECT_FLOAT_EQ(big.sum().item<float>(), 16.0f * 1024 * 1024);
  EXPECT_GE(peak_memory_bytes(at::kCPU), size_t{64} << 20);
  synchronize(at::kCPU);  // a no-op, must not throw
}

TEST(Device, GeneratorsAreSeededPerDevice) {
  at::Generator a = compat::make_generator(5, at::kCPU), b = compat::make_cpu_generator(5);
  EXPECT_TRUE(at::equal(at::rand({8}, a), at::rand({8}, b)));
  if (built_with_cuda() && at::hasCUDA()) {
    const at::Device cuda(at::kCUDA, 0);
    at::Generator c = compat::make_generator(5, cuda), d = compat::make_generator(5, cuda), e = compat::make_generator(6, cuda);
    const auto opts = at::TensorOptions().device(cuda);
    const at::Tensor x = at::rand({64}, c, opts), y = at::rand({64}, d, opts), z = at::rand({64}, e, opts);
    EXPECT_TRUE(at::equal(x, y));
    EXPECT_FALSE(at::equal(x, z));
  }
}

}  // namespace
}  // namespace dream::model
