#!/usr/bin/env bash
# Builds and runs the TorchSharp benchmarks (NetGen.Benchmarks.TorchSharp); arguments go to BenchmarkDotNet, e.g.
#   benchmarks/run-torchsharp.sh --filter '*' --job short
# libtorch (TorchSharp-cpu) needs GLIBCXX_3.4.32, which Debian 12's libstdc++ lacks. Where the system's libstdc++
# lacks it, Debian 13's libc6, libstdc++6 and libgcc-s1 are fetched with `apt-get download`, through an apt
# configuration of their own (nothing is installed on the system), and extracted into a private folder
# (benchmarks/.torch-runtime, or $NETGEN_TORCH_RUNTIME). The benchmark runs as a copy of its apphost whose ELF
# interpreter is that folder's ld-linux-x86-64.so.2 and whose RUNPATH is that folder, so only this one process uses
# the newer libraries; nothing is set in the environment, and the processes it starts (BenchmarkDotNet's lscpu,
# dotnet --info) run with the system's. Every step is skipped when already done.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
project="$here/NetGen.Benchmarks.TorchSharp"
out="$project/bin/Release/net10.0"
runtime="${NETGEN_TORCH_RUNTIME:-$here/.torch-runtime}"
suite=trixie
packages=(libc6 libstdc++6 libgcc-s1)
needed=GLIBCXX_3.4.32
fail() { echo "run-torchsharp: $1" >&2; exit 1; }
say() { echo "run-torchsharp: $1" >&2; }

[ "$(uname -m)" = x86_64 ] || fail "TorchSharp-cpu's libtorch here is the linux-x64 build; this machine is $(uname -m)"
dotnet build "$project" -c Release -nologo -v q >&2 || fail "dotnet build $project failed"
apphost="$out/NetGen.Benchmarks.TorchSharp"
[ -x "$apphost" ] || fail "the build left no apphost at $apphost"

system_libstdcxx=$("$(command -v ldconfig || echo /sbin/ldconfig)" -p | awk '/libstdc\+\+\.so\.6 .*x86-64/ && !found { print $NF; found = 1 }')
if [ -n "$system_libstdcxx" ] && grep -qa "$needed" "$system_libstdcxx"; then
  say "the system's libstdc++ ($system_libstdcxx) has $needed: running the benchmarks as they are"
  exec "$apphost" "$@"
fi

libdir="$runtime/root/usr/lib/x86_64-linux-gnu"
stamp="$runtime/root/.packages"
if [ ! -f "$stamp" ]; then
  for tool in apt-get dpkg-deb; do command -v "$tool" >/dev/null || fail "$tool is missing: this script needs Debian's apt"; done
  keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  [ -f "$keyring" ] || fail "$keyring is missing (package debian-archive-keyring)"
  say "fetching Debian $suite's ${packages[*]} into $runtime (nothing is installed on the system)"
  rm -rf "$runtime/apt" "$runtime/debs" "$runtime/root"
  mkdir -p "$runtime/apt/lists/partial" "$runtime/apt/cache/archives/partial" "$runtime/apt/sources.list.d" "$runtime/debs"
  echo "deb [arch=amd64 signed-by=$keyring] http://deb.debian.org/debian $suite main" >"$runtime/apt/sources.list"
  apt=(apt-get -q
    -o "Dir::Etc::sourcelist=$runtime/apt/sources.list"
    -o "Dir::Etc::sourceparts=$runtime/apt/sources.list.d"
    -o "Dir::State::Lists=$runtime/apt/lists"
    -o "Dir::Cache=$runtime/apt/cache"
    -o "Acquire::Languages=none"
    -o "Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false"
    -o "Acquire::IndexTargets::deb::DEP-11-icons::DefaultEnabled=false"
    -o "Acquire::IndexTargets::deb::DEP-11-icons-hidpi::DefaultEnabled=false")
  # As root, apt downloads as the user _apt, which cannot write into this folder.
  if [ "$(id -u)" -eq 0 ]; then apt+=(-o APT::Sandbox::User=root); fi
  "${apt[@]}" update >&2 || fail "apt-get update of the private $suite list failed"
  (cd "$runtime/debs" && "${apt[@]}" download "${packages[@]}" >&2) || fail "apt-get download ${packages[*]} failed"
  mkdir -p "$runtime/root"
  for deb in "$runtime"/debs/*.deb; do dpkg-deb -x "$deb" "$runtime/root"; done
  grep -qa "$needed" "$libdir/libstdc++.so.6" || fail "$suite's libstdc++ in $libdir lacks $needed"
  (cd "$runtime/debs" && ls) >"$stamp"
  rm -rf "$runtime/apt"
fi
[ -x "$libdir/ld-linux-x86-64.so.2" ] || fail "$libdir/ld-linux-x86-64.so.2 is missing: delete $runtime and run again"

if ! command -v patchelf >/dev/null; then
  say "installing Debian's patchelf"
  if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
  { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq patchelf; } >&2 ||
    fail "could not install patchelf"
fi

# The copy must sit beside the application's dll, which the apphost looks for in its own folder. libtorch_cpu.so
# needs librt.so.1, which the apphost does not: listing it makes the loader take it from the private folder too,
# so that no library of the system's older glibc is mixed in.
patched="$out/NetGen.Benchmarks.TorchSharp.$suite"
cp "$apphost" "$patched.tmp"
# One change per call: Debian 12's patchelf 0.14 fails an assertion when given all three at once.
patchelf --set-interpreter "$libdir/ld-linux-x86-64.so.2" "$patched.tmp"
patchelf --set-rpath "$libdir" "$patched.tmp"
patchelf --add-needed librt.so.1 "$patched.tmp"
mv "$patched.tmp" "$patched"
say "running with $(cat "$stamp" | tr '\n' ' ')from $libdir"
exec "$patched" "$@"
