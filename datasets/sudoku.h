#pragma once
// Sudoku grids in Dream's text format (rows of digits joined by '\n', 0 = blank): parsing, checking a
// candidate solution, counting solutions, and a seeded generator of puzzles with a unique solution and a
// chosen number of givens. Sizes 4 (2x2 boxes) and 9 (3x3 boxes).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dream::datasets {

struct SudokuGrid {
  int size = 0;            // 4 or 9
  std::vector<int> cells;  // row-major, size*size values in 0..size (0 = blank)
  int box_rows() const { return size == 4 ? 2 : 3; }
  int box_cols() const { return box_rows(); }
  int givens() const;
};

// Throws std::invalid_argument unless size is 4 or 9.
void check_sudoku_size(int size);

// Parses `size` rows of `size` digits separated by '\n' (nothing else); nullopt when the text is not a
// grid of that size.
std::optional<SudokuGrid> parse_sudoku(std::string_view text, int size);
std::string format_sudoku(const SudokuGrid& grid);

// True when `candidate` has no blanks, keeps every given of `puzzle`, and every row, column and box holds
// each digit once. Any valid completion counts, not only the reference one.
bool is_valid_completion(const SudokuGrid& puzzle, const SudokuGrid& candidate);

// Number of completions of `grid`, counting stops at `limit`.
int count_sudoku_solutions(const SudokuGrid& grid, int limit = 2);
std::optional<SudokuGrid> solve_sudoku(const SudokuGrid& grid);

// A puzzle and its unique solution, as Dream's records {"input", "output"}.
struct PlanningInstance {
  std::string input;
  std::string output;
};

// `count` distinct puzzles of the given size with exactly `givens` givens and a unique solution, each
// checked with count_sudoku_solutions before it is returned. Deterministic in (size, givens, count, seed).
// Throws std::invalid_argument when givens is out of range (4x4: 4..16, 9x9: 22..81; fewer givens than
// that are rarely reachable by the generator's removal search).
std::vector<PlanningInstance> generate_sudoku(int size, int givens, int count, uint64_t seed);

}  // namespace dream::datasets
