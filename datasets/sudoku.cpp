#include "sudoku.h"

#include <array>
#include <bit>
#include <set>
#include <stdexcept>

#include "random.h"

namespace dream::datasets {

namespace {

// Candidate bitmasks per row, column and box (bit d set = digit d already used), for backtracking.
struct Constraints {
  int n, br, bc;
  std::array<uint32_t, 9> row{}, col{}, box{};
  explicit Constraints(const SudokuGrid& g) : n(g.size), br(g.box_rows()), bc(g.box_cols()) {}
  int box_of(int r, int c) const { return (r / br) * (n / bc) + c / bc; }
  uint32_t used(int r, int c) const { return row[r] | col[c] | box[box_of(r, c)]; }
  void set(int r, int c, int d) {
    const uint32_t b = 1u << d;
    row[r] |= b;
    col[c] |= b;
    box[box_of(r, c)] |= b;
  }
  void clear(int r, int c, int d) {
    const uint32_t b = ~(1u << d);
    row[r] &= b;
    col[c] &= b;
    box[box_of(r, c)] &= b;
  }
};

uint32_t all_digits(int n) { return ((1u << n) - 1) << 1; }  // bits 1..n

// Fills blanks depth-first, choosing the blank with the fewest candidates; counts completions up to
// `limit`. With `rng`, candidates are tried in random order (used to draw random full grids).
int search(SudokuGrid& g, Constraints& k, int limit, SplitMix64* rng, bool keep_first) {
  int best = -1, best_count = 99;
  uint32_t best_mask = 0;
  for (int i = 0; i < g.size * g.size; ++i) {
    if (g.cells[i] != 0) continue;
    const uint32_t mask = all_digits(g.size) & ~k.used(i / g.size, i % g.size);
    const int cnt = std::popcount(mask);
    if (cnt < best_count) {
      best = i, best_count = cnt, best_mask = mask;
      if (cnt <= 1) break;
    }
  }
  if (best < 0) return 1;  // no blanks: one completion
  if (best_count == 0) return 0;
  std::vector<int> digits;
  for (int d = 1; d <= g.size; ++d)
    if (best_mask & (1u << d)) digits.push_back(d);
  if (rng) rng->shuffle(digits);
  const int r = best / g.size, c = best % g.size;
  int total = 0;
  for (int d : digits) {
    g.cells[best] = d;
    k.set(r, c, d);
    total += search(g, k, limit - total, rng, keep_first);
    if (total >= limit) {
      if (keep_first) return total;  // leave the grid filled
      k.clear(r, c, d);
      g.cells[best] = 0;
      return total;
    }
    k.clear(r, c, d);
  }
  g.cells[best] = 0;
  return total;
}

std::optional<Constraints> constraints_of(const SudokuGrid& g) {
  Constraints k(g);
  for (int i = 0; i < g.size * g.size; ++i) {
    const int d = g.cells[i];
    if (d == 0) continue;
    if (k.used(i / g.size, i % g.size) & (1u << d)) return std::nullopt;  // givens already conflict
    k.set(i / g.size, i % g.size, d);
  }
  return k;
}

}  // namespace

int SudokuGrid::givens() const {
  int n = 0;
  for (int v : cells) n += v != 0;
  return n;
}

void check_sudoku_size(int size) {
  if (size != 4 && size != 9) throw std::invalid_argument("sudoku size must be 4 or 9, got " + std::to_string(size));
}

std::optional<SudokuGrid> parse_sudoku(std::string_view text, int size) {
  check_sudoku_size(size);
  SudokuGrid g;
  g.size = size;
  size_t pos = 0;
  for (int r = 0; r < size; ++r) {
    if (r > 0) {
      if (pos >= text.size() || text[pos] != '\n') return std::nullopt;
      ++pos;
    }
    for (int c = 0; c < size; ++c, ++pos) {
      if (pos >= text.size() || text[pos] < '0' || text[pos] > '0' + size) return std::nullopt;
      g.cells.push_back(text[pos] - '0');
    }
  }
  if (pos != text.size()) return std::nullopt;
  return g;
}

std::string format_sudoku(const SudokuGrid& g) {
  std::string s;
  for (int r = 0; r < g.size; ++r) {
    if (r > 0) s += '\n';
    for (int c = 0; c < g.size; ++c) s += static_cast<char>('0' + g.cells[r * g.size + c]);
  }
  return s;
}

bool is_valid_completion(const SudokuGrid& puzzle, const SudokuGrid& candidate) {
  if (puzzle.size != candidate.size || candidate.cells.size() != puzzle.cells.size()) return false;
  for (size_t i = 0; i < puzzle.cells.size(); ++i) {
    if (candidate.cells[i] == 0) return false;
    if (puzzle.cells[i] != 0 && puzzle.cells[i] != candidate.cells[i]) return false;
  }
  return constraints_of(candidate).has_value();  // no digit repeats in a row, column or box
}

int count_sudoku_solutions(const SudokuGrid& grid, int limit) {
  auto k = constraints_of(grid);
  if (!k) return 0;
  SudokuGrid g = grid;
  return search(g, *k, limit, nullptr, false);
}

std::optional<SudokuGrid> solve_sudoku(const SudokuGrid& grid) {
  auto k = constraints_of(grid);
  if (!k) return std::nullopt;
  SudokuGrid g = grid;
  if (search(g, *k, 1, nullptr, true) < 1) return std::nullopt;
  return g;
}

std::vector<PlanningInstance> generate_sudoku(int size, int givens, int count, uint64_t seed) {
  check_sudoku_size(size);
  const int min_givens = size == 4 ? 4 : 22;
  if (givens < min_givens || givens > size * size)
    throw std::invalid_argument("sudoku " + std::to_string(size) + "x" + std::to_string(size) + ": givens must be in " +
                                std::to_string(min_givens) + ".." + std::to_string(size * size) + ", got " +
                                std::to_string(givens));
  if (count < 0) throw std::invalid_argument("sudoku: count must be >= 0");
  SplitMix64 rng(seed ^ (static_cast<uint64_t>(size) << 56) ^ (static_cast<uint64_t>(givens) << 48));
  std::vector<PlanningInstance> out;
  std::set<std::string> seen;
  const int max_attempts = 1000 * (count + 1);
  for (int attempt = 0; static_cast<int>(out.size()) < count; ++attempt) {
    if (attempt >= max_attempts)
      throw std::runtime_error("sudoku generator: could not make " + std::to_string(count) + " distinct puzzles with " +
                               std::to_string(givens) + " givens");
    // A random full grid, then blank cells in random order while the solution stays unique.
    SudokuGrid full;
    full.size = size;
    full.cells.assign(size * size, 0);
    Constraints k(full);
    search(full, k, 1, &rng, true);
    SudokuGrid puzzle = full;
    std::vector<int> order(size * size);
    for (int i = 0; i < size * size; ++i) order[i] = i;
    rng.shuffle(order);
    int left = size * size;
    for (int cell : order) {
      if (left == givens) break;
      const int keep = puzzle.cells[cell];
      puzzle.cells[cell] = 0;
      if (count_sudoku_solutions(puzzle, 2) == 1) --left;
      else puzzle.cells[cell] = keep;
    }
    if (left != givens) continue;  // stuck above the target: draw another grid
    if (count_sudoku_solutions(puzzle, 2) != 1) throw std::logic_error("sudoku generator produced a non-unique puzzle");
    PlanningInstance inst{format_sudoku(puzzle), format_sudoku(full)};
    if (!seen.insert(inst.input).second) continue;
    out.push_back(std::move(inst));
  }
  return out;
}

}  // namespace dream::datasets
