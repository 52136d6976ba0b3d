// Package assess scores the older person capability assessment of
// GB/T 42195-2022 《老年人能力评估规范》 (Specification for capability
// assessment of older adults).
//
// The form of annex B is held as data (Dimensions, LookupItem): 26 items in
// 4 dimensions — 自理能力 (B.1, 32 points), 基础运动能力 (B.2, 15),
// 精神状态 (B.3, 28) and 感知觉与社会参与 (B.4, 15) — for 0–90 points in all.
// Score checks a complete set of answers, adds the points up, grades the
// total (chapter 6, 评估结果; annex C.3) and applies the grade changes of
// annex C.4 (昏迷; 痴呆 or another mental disorder; care-risk events in the
// last 30 days) to give the final grade (annex C.5), with a bilingual reason
// for every change.
//
// The package does no I/O and keeps no state; Score does not allocate unless
// a grade change has to be explained.
package assess
