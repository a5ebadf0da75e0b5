// parse_device / synchronize / peak_memory / device_memory on the CPU (and, in a CPU build, the CUDA refusal).
#include <gtest/gtest.h>
#include <unistd.h>

#include "model/device.h"
#include "model/torch_compat.h"

namespace dream::model {
namespace {

std::string error_of(const std::string& name) {
  try {
    parse_device(name);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(Device, ParsesCpuAndRefusesBadNames) {
  EXPECT_TRUE(parse_device("cpu").is_cpu());
  EXPECT_EQ(error_of("gpu"), "device 'gpu': unknown (known: auto, cpu, cuda, cuda:N)");
  EXPECT_EQ(error_of("cuda:x"), "device 'cuda:x': the index after 'cuda:' must be a number");
  EXPECT_EQ(error_of("cuda:"), "device 'cuda:': the index after 'cuda:' must be a number");
}

TEST(Device, AutoIsTheGpuWhenPresentElseTheCpu) {
  EXPECT_EQ(parse_device("auto"), cuda_device_if_present().value_or(at::Device(at::kCPU)));
  EXPECT_EQ(device_description(at::kCPU).rfind("cpu (", 0), 0u);
}

TEST(Device, GeneratorsAreSeededPerDevice) {
  at::Generator a = compat::make_generator(5, at::kCPU), b = compat::make_cpu_generator(5);
  EXPECT_TRUE(at::equal(at::rand({8}, a), at::rand({8}, b)));
  if (const std::optional<at::Device> gpu = cuda_device_if_present()) {
    at::Generator c = compat::make_generator(5, *gpu), d = compat::make_generator(5, *gpu), e = compat::make_generator(6, *gpu);
    const auto opts = at::TensorOptions().device(*gpu);
    const at::Tensor x = at::rand({64}, c, opts), y = at::rand({64}, d, opts), z = at::rand({64}, e, opts);
    EXPECT_TRUE(at::equal(x, y));
    EXPECT_FALSE(at::equal(x, z));
  }
}

TEST(Device, CudaInACpuBuildSaysItIsACpuBuild) {
  if (cuda_build()) GTEST_SKIP() << "CUDA build";
  EXPECT_FALSE(cuda_device_if_present().has_value());
  EXPECT_NE(error_of("cuda").find("this dream-eval is a CPU build"), std::string::npos) << error_of("cuda");
  EXPECT_NE(error_of("cuda:1").find("device 'cuda:1'"), std::string::npos);
}

TEST(Device, CpuNameSynchronizeAndPeakMemory) {
  const at::Device cpu(at::kCPU);
  EXPECT_FALSE(device_name(cpu).empty());
  synchronize(cpu);  // nothing queued on the CPU: returns
  reset_peak_memory(cpu);
  const PeakMemory before = peak_memory(cpu);
  ASSERT_GT(before.bytes, 0);
  EXPECT_NE(before.kind.find("resident set size"), std::string::npos) << before.kind;
  {
    // 256 MiB, every page touched, raises the peak by about that much.
    const at::Tensor big = at::ones({64 * 1024 * 1024}, at::kFloat);
    EXPECT_EQ(big.sum().item<double>(), 64.0 * 1024 * 1024);
  }
  const PeakMemory after = peak_memory(cpu);
  EXPECT_GE(after.bytes, before.bytes + 200 * 1024 * 1024);
  EXPECT_EQ(after.kind, before.kind);
  // /proc/meminfo's MemTotal is the kernel's total RAM, which sysconf reads too.
  const DeviceMemory memory = device_memory(cpu);
  const int64_t sysconf_total = static_cast<int64_t>(::sysconf(_SC_PHYS_PAGES)) * ::sysconf(_SC_PAGESIZE);
  EXPECT_NEAR(static_cast<double>(memory.total_bytes), static_cast<double>(sysconf_total), 0.01 * sysconf_total);
  EXPECT_GT(memory.available_bytes, 0);
  EXPECT_LE(memory.available_bytes, memory.total_bytes);
}

TEST(DeviceCuda, NameSynchronizeAndAllocatorPeak) {
  const std::optional<at::Device> gpu = cuda_device_if_present();
  if (!gpu) GTEST_SKIP() << "no CUDA device in this build or machine";
  const at::Device cuda = *gpu;
  EXPECT_EQ(parse_device("cuda").str(), "cuda:0");
  EXPECT_FALSE(device_name(cuda).empty());
  EXPECT_NE(error_of("cuda:99").find("CUDA device(s) present"), std::string::npos) << error_of("cuda:99");
  reset_peak_memory(cuda);
  const PeakMemory before = peak_memory(cuda);
  EXPECT_NE(before.kind.find("CUDA caching allocator"), std::string::npos) << before.kind;
  {
    const at::Tensor big = at::ones({64 * 1024 * 1024}, at::TensorOptions().dtype(at::kFloat).device(cuda));
    synchronize(cuda);
  }
  EXPECT_GE(peak_memory(cuda).bytes, before.bytes + 256 * 1024 * 1024);
  reset_peak_memory(cuda);  // the tensor is gone: the new window starts lower
  EXPECT_LT(peak_memory(cuda).bytes, before.bytes + 256 * 1024 * 1024);
  const DeviceMemory memory = device_memory(cuda);
  EXPECT_GT(memory.total_bytes, 1ll << 30);
  EXPECT_GT(memory.available_bytes, 0);
  EXPECT_LE(memory.available_bytes, memory.total_bytes);
}

}  // namespace
}  // namespace dream::model
