#pragma once
// Boost.Process v1 (the child / pipe / extension-handler API the sandbox is written against), wherever this
// Boost keeps it: newer Boost moved v1 under boost/process/v1/ (namespace boost::process::v1) and made
// <boost/process.hpp> the v2 API. Debian 12 has Boost 1.74 and the GPU machine 1.83 (old layout); Debian sid's
// 1.92 has the new one. Include this instead of any <boost/process/...> header and use `bp::`.
// BOOST_POSIX_HAS_VFORK and Boost.Filesystem-or-std::filesystem come from the dream_boost_process CMake target.
#if __has_include(<boost/process/v1/child.hpp>)
#include <boost/process/v1/args.hpp>
#include <boost/process/v1/child.hpp>
#include <boost/process/v1/exe.hpp>
#include <boost/process/v1/extend.hpp>
#include <boost/process/v1/io.hpp>
#include <boost/process/v1/pipe.hpp>
#include <boost/process/v1/posix.hpp>
namespace dream::sandbox {
namespace bp = boost::process::v1;
}  // namespace dream::sandbox
#else
#include <boost/process/args.hpp>
#include <boost/process/child.hpp>
#include <boost/process/exe.hpp>
#include <boost/process/extend.hpp>
#include <boost/process/io.hpp>
#include <boost/process/pipe.hpp>
#include <boost/process/posix.hpp>
namespace dream::sandbox {
namespace bp = boost::process;
}  // namespace dream::sandbox
#endif
