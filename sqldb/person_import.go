package sqldb

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/idcard"
	"github.com/yanglao/yanglao/register"
)

type idcardID = idcard.ID

// Import and export of the register (issue 3, item 3).
//
// A file is read by a pipeline: one goroutine reads rows, workers parse them
// (register.Header) and validate and seal them with the register's own
// preparePerson and placePerson, and this goroutine writes them in batches.
// Each batch is one transaction holding its people, phones, statuses, audit
// entries, rejected rows and the job's counters and resume point, so a batch
// is all or nothing and a killed import leaves only whole people; uploading
// the same file again resumes after the last committed batch. Rows are
// upserted by the keyed hash of the citizen ID, and a row that changes nothing
// writes nothing: no version bump, no audit entry.

var _ register.Service = (*PersonService)(nil)

// Batch sizes: rows per transaction. Variables so tests can make them small.
var (
	importBatchSQLite   = 5000
	commitSQLite        = 250_000
	importBatchPostgres = 10000
	feedBatch           = 1000
)

// A running job beats its heart every heartbeatEvery; one that has not for
// staleAfter is presumed dead (its server was killed), and uploading the same
// file takes it over. A job left running by this very process is taken over at once.
var (
	heartbeatEvery = 3 * time.Second
	staleAfter     = 15 * time.Second
)

// runnerID names this process in the jobs it runs.
var runnerID = func() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}()

// afterBatch, when set (by tests), is called after each committed batch.
var afterBatch func(job *register.Job)

// activeImports holds the jobs running in this process (id → *liveJob).
var activeImports sync.Map

// liveJob is the progress of a running job as far as its batches have got,
// committed or not, so a poll sees it move between commits.
type liveJob struct {
	mu  sync.Mutex
	job register.Job
	ok  bool
}

func live(id int64) *liveJob {
	if v, ok := activeImports.Load(id); ok {
		return v.(*liveJob)
	}
	return &liveJob{} // not running here: a sink
}

func (l *liveJob) set(j *register.Job) {
	l.mu.Lock()
	l.job, l.ok = *j, true
	l.mu.Unlock()
}

// overlay shows a running job's uncommitted progress.
func (l *liveJob) overlay(j *register.Job) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ok && j.Status == register.Running && l.job.Phase == j.Phase && l.job.Done >= j.Done {
		j.Done, j.Total, j.Created, j.Updated, j.Same, j.Rejected = l.job.Done, l.job.Total, l.job.Created, l.job.Updated, l.job.Same, l.job.Rejected
	}
}

const importCols = `id, kind, mode, format, file_name, file_sha256, user_id, username, region_path, status, phase,
	rows_total, rows_done, last_row, rows_created, rows_updated, rows_same, rows_rejected, error, started_at, heartbeat_at, finished_at, runner`

func scanImport(row scanner) (*register.Job, error) {
	j := &register.Job{}
	var kind, mode, format string
	err := row.Scan(&j.ID, &kind, &mode, &format, &j.FileName, &j.SHA256, &j.UserID, &j.Username, &j.RegionPath, &j.Status, &j.Phase,
		&j.Total, &j.Done, &j.LastRow, &j.Created, &j.Updated, &j.Same, &j.Rejected, &j.Error, &j.StartedAt, &j.Heartbeat, &j.FinishedAt, &j.Runner)
	j.Kind, j.Mode, j.Format = register.Kind(kind), register.Mode(mode), register.Format(format)
	return j, err
}

// BeginImport checks the upload and its header and creates the job, or takes
// up the interrupted job of the same file, user, kind and mode.
func (s *PersonService) BeginImport(ctx context.Context, u *register.Upload) (*register.Job, error) {
	if err := canWriteRegister(ctx); err != nil {
		return nil, err
	}
	if !u.Kind.Valid() {
		return nil, yanglao.Invalid("kind", "导入类型应为 people、deaths 或 moves (kind must be people, deaths or moves)")
	}
	if !u.Mode.Valid() {
		return nil, yanglao.Invalid("mode", "导入方式应为 all_or_nothing 或 valid_rows (mode must be all_or_nothing or valid_rows)")
	}
	if u.File == nil || u.Size == 0 {
		return nil, yanglao.Invalid("file", "请上传文件 (upload a file)")
	}
	if len([]rune(u.FileName)) > 200 {
		u.FileName = string([]rune(u.FileName)[:200])
	}
	head := make([]byte, 4)
	n, _ := u.File.ReadAt(head, 0)
	sniffed := register.Sniff(head[:n])
	if u.Format == "" {
		u.Format = sniffed
	}
	if !u.Format.Valid() {
		return nil, yanglao.Invalid("format", "文件格式应为 csv 或 xlsx (format must be csv or xlsx)")
	}
	if u.Format != sniffed {
		if sniffed == register.XLSX {
			return nil, yanglao.Invalid("format", "这是一个 .xlsx 文件，不是 CSV (the file is an .xlsx, not a CSV)")
		}
		return nil, yanglao.Invalid("format", "这不是 .xlsx 文件；如果是 .xls（Excel 97-2003），请另存为 .xlsx (not an .xlsx file; save an old .xls as .xlsx)")
	}
	if u.SHA256 == "" {
		h := sha256.New()
		if _, err := io.Copy(h, io.NewSectionReader(u.File, 0, u.Size)); err != nil {
			return nil, err
		}
		u.SHA256 = hex.EncodeToString(h.Sum(nil))
	}
	rr, err := register.NewReader(u.Format, u.File, u.Size)
	if err != nil {
		return nil, err
	}
	_, headerRow, err := readHeader(rr, u.Kind)
	if err != nil {
		return nil, err
	}
	total := estimateRows(u)
	if t := rr.Total(); total == 0 && t > headerRow { // an .xlsx states its size (<dimension>)
		total = t - headerRow
	}
	a := yanglao.ActorFromContext(ctx)
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	job, err := scanImport(tx.QueryRow(ctx, `SELECT `+importCols+` FROM imports WHERE file_sha256 = ? AND kind = ? AND mode = ?
		AND COALESCE(user_id, 0) = ? AND status IN (?, ?) ORDER BY id DESC LIMIT 1`,
		u.SHA256, string(u.Kind), string(u.Mode), a.UserID, register.Running, register.Interrupted))
	switch {
	case err == nil:
		_, live := activeImports.Load(job.ID)
		if live || (job.Status == register.Running && job.Runner != runnerID && tx.now.Sub(job.Heartbeat) < staleAfter) {
			return nil, yanglao.Errorf(yanglao.ECONFLICT, "该文件正在导入（任务 %d）；如果服务刚刚重启，请%d秒后再上传 (this file is being imported as job %d; if the server has just restarted, upload it again in %d s)",
				job.ID, int(staleAfter.Seconds()), job.ID, int(staleAfter.Seconds()))
		}
		if _, err := tx.Exec(ctx, `UPDATE imports SET status = ?, error = '', heartbeat_at = ?, file_name = ?, runner = ? WHERE id = ?`,
			register.Running, tx.now, u.FileName, runnerID, job.ID); err != nil {
			return nil, err
		}
		job.Status, job.Error, job.Heartbeat, job.Resumed, job.FileName = register.Running, "", tx.now, true, u.FileName
		if err := tx.audit(ctx, yanglao.AuditUpdate, "import", strconv.FormatInt(job.ID, 10),
			fmt.Sprintf("resumed %s import after row %d, file %s sha256 %s", u.Kind, job.LastRow, u.FileName, u.SHA256)); err != nil {
			return nil, err
		}
	case isNoRows(err):
		job = &register.Job{Kind: u.Kind, Mode: u.Mode, Format: u.Format, FileName: u.FileName, SHA256: u.SHA256,
			Username: a.Username, RegionPath: a.RegionPath, Status: register.Running, Phase: register.PhaseWriting,
			Total: total, StartedAt: tx.now, Heartbeat: tx.now}
		if a.UserID != 0 {
			id := a.UserID
			job.UserID = &id
		}
		if a.Unrestricted() {
			job.RegionPath = ""
		}
		if u.Mode == register.AllOrNothing {
			job.Phase = register.PhaseChecking
		}
		if job.ID, err = tx.insertID(ctx, `INSERT INTO imports (kind, mode, format, file_name, file_sha256, user_id, username, region_path,
			status, phase, rows_total, started_at, heartbeat_at, runner) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			string(job.Kind), string(job.Mode), string(job.Format), job.FileName, job.SHA256, job.UserID, job.Username, job.RegionPath,
			job.Status, job.Phase, job.Total, tx.now, tx.now, runnerID); err != nil {
			return nil, err
		}
		if err := tx.audit(ctx, yanglao.AuditCreate, "import", strconv.FormatInt(job.ID, 10),
			fmt.Sprintf("%s import, mode %s, file %s (%s, %d bytes) sha256 %s", u.Kind, u.Mode, u.FileName, u.Format, u.Size, u.SHA256)); err != nil {
			return nil, err
		}
	default:
		return nil, err
	}
	return job, tx.Commit()
}

// estimateRows guesses the data rows of a CSV by its line breaks, for progress.
func estimateRows(u *register.Upload) int {
	if u.Format != register.CSV {
		return 0
	}
	buf := make([]byte, 1<<20)
	n := 0
	var last byte = '\n'
	for off := int64(0); off < u.Size; {
		m, err := u.File.ReadAt(buf, off)
		n += bytes.Count(buf[:m], []byte{'\n'})
		if m > 0 {
			last = buf[m-1]
		}
		off += int64(m)
		if err != nil {
			break
		}
	}
	if last != '\n' {
		n++
	}
	return max(n-1, 0)
}

// readHeader finds the header: the first row with more than one cell filled in
// (a title row above it, as many office spreadsheets have, is skipped).
func readHeader(rr register.RowReader, kind register.Kind) (*register.Header, int, error) {
	for range 10 {
		row, cells, err := rr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, 0, err
		}
		filled := 0
		for _, c := range cells {
			if strings.TrimSpace(c) != "" {
				filled++
			}
		}
		if filled <= 1 && len(register.Columns(kind)) > 1 && !headerLike(kind, cells) {
			continue
		}
		h, err := register.ParseHeader(kind, cells)
		return h, row, err
	}
	return nil, 0, yanglao.Invalid("file", "文件中没有表头或数据 (the file has no header or data)")
}

func headerLike(kind register.Kind, cells []string) bool {
	_, err := register.ParseHeader(kind, cells)
	return err == nil || strings.Contains(yanglao.ErrorMessage(err), "缺少")
}

// RunImport runs a begun job to its end. Cancelling ctx stops it after the
// current batch's transaction and leaves it interrupted, to be resumed.
func (s *PersonService) RunImport(ctx context.Context, job *register.Job, u *register.Upload) (*register.Job, error) {
	if err := canWriteRegister(ctx); err != nil {
		return nil, err
	}
	if _, loaded := activeImports.LoadOrStore(job.ID, &liveJob{}); loaded {
		return nil, yanglao.Errorf(yanglao.ECONFLICT, "任务 %d 正在运行 (job %d is running)", job.ID, job.ID)
	}
	defer activeImports.Delete(job.ID)
	u.Kind, u.Mode, u.Format = job.Kind, job.Mode, job.Format
	defer s.db.tuneForBulk(ctx)()
	beat, beatDone := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(beatDone)
		s.heartbeat(ctx, job.ID, heartbeatEvery, beat)
	}()
	defer func() { close(beat); <-beatDone }()
	var err error
	if job.Kind == register.People {
		err = s.runPeople(ctx, job, u)
	} else {
		err = s.runFeed(ctx, job, u)
	}
	return s.finishImport(ctx, job, err)
}

// heartbeat marks the job alive until stop closes.
func (s *PersonService) heartbeat(ctx context.Context, id int64, every time.Duration, stop <-chan struct{}) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		case <-t.C:
			s.db.write.ExecContext(ctx, s.db.rebind(`UPDATE imports SET heartbeat_at = ? WHERE id = ? AND status = ?`),
				s.db.Now().UTC().Truncate(time.Microsecond), id, register.Running)
		}
	}
}

// finishImport records how the job ended. It writes with a context that is not
// cancelled, so an interrupted job is marked as such.
func (s *PersonService) finishImport(ctx context.Context, job *register.Job, runErr error) (*register.Job, error) {
	wctx := context.WithoutCancel(ctx)
	// However the job ended, the register gets back any index it loaded without.
	if err := s.db.restoreDeferredIndexes(wctx); err != nil {
		slog.ErrorContext(ctx, "import: rebuilding deferred indexes", slog.Int64("job", job.ID), slog.String("err", err.Error()))
	}
	status, msg := register.Done, ""
	switch {
	case runErr == nil && job.Rejected > 0 && job.Mode == register.AllOrNothing:
		status = register.Rejected
		msg = fmt.Sprintf("%d 行不合格，未导入任何数据 (%d rows were rejected; nothing was imported)", job.Rejected, job.Rejected)
	case runErr == nil:
	case ctx.Err() != nil:
		status, msg = register.Interrupted, "导入被中断，重新上传同一文件即可继续 (the import was interrupted: upload the same file again to continue)"
	case yanglao.ErrorCode(runErr) != yanglao.EINTERNAL:
		status, msg = register.Failed, yanglao.ErrorMessage(runErr)
	default:
		status, msg = register.Failed, "内部错误，导入已停止，重新上传同一文件可继续 (internal error: the import stopped; upload the same file again to continue)"
		slog.ErrorContext(ctx, "import failed", slog.Int64("job", job.ID), slog.String("err", runErr.Error()))
	}
	tx, err := s.db.BeginTx(wctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var finished any
	if status != register.Interrupted {
		finished = tx.now
	}
	if _, err := tx.Exec(wctx, `UPDATE imports SET status = ?, error = ?, heartbeat_at = ?, finished_at = ? WHERE id = ?`,
		status, msg, tx.now, finished, job.ID); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	j, err := s.importJob(wctx, job.ID)
	if err != nil {
		return nil, err
	}
	j.Resumed = job.Resumed
	if status == register.Failed && yanglao.ErrorCode(runErr) != yanglao.EINTERNAL {
		return j, nil // the file's fault: the job says why
	}
	if status == register.Interrupted {
		return j, runErr
	}
	return j, nil
}

func (s *PersonService) importJob(ctx context.Context, id int64) (*register.Job, error) {
	return scanImport(s.db.write.QueryRowContext(ctx, s.db.rebind(`SELECT `+importCols+` FROM imports WHERE id = ?`), id))
}

// importScope: a job is read by the person who started it, by administrators,
// and by officials whose region contains the region it was started in — they
// answer for the register there. Workers and assessors see their own jobs.
func importScope(ctx context.Context) (string, []any, error) {
	if err := canWriteRegister(ctx); err != nil {
		return "", nil, err
	}
	a := yanglao.ActorFromContext(ctx)
	if a.Role != yanglao.RoleOfficial && !a.Unrestricted() {
		return "user_id = ?", []any{a.UserID}, nil
	}
	clause, args, err := scope(ctx, "region_path", "")
	if err != nil {
		return "", nil, err
	}
	return "(" + clause + " OR user_id = ?)", append(args, a.UserID), nil
}

// ImportJob reads a job within the actor's scope.
func (s *PersonService) ImportJob(ctx context.Context, id int64) (*register.Job, error) {
	clause, args, err := importScope(ctx)
	if err != nil {
		return nil, err
	}
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	j, err := scanImport(tx.QueryRow(ctx, `SELECT `+importCols+` FROM imports WHERE id = ? AND `+clause, append([]any{id}, args...)...))
	if err != nil {
		return nil, notFound(err, "导入任务", "import job")
	}
	live(j.ID).overlay(j)
	return j, nil
}

// ImportJobs lists jobs newest first within the actor's scope.
func (s *PersonService) ImportJobs(ctx context.Context, page yanglao.Page) ([]*register.Job, string, error) {
	clause, args, err := importScope(ctx)
	if err != nil {
		return nil, "", err
	}
	page = page.Normalize()
	if page.After != "" {
		after, err := afterID(page.After)
		if err != nil {
			return nil, "", err
		}
		clause, args = clause+" AND id < ?", append(args, after)
	}
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, "", err
	}
	defer tx.Rollback()
	out, err := queryAll(ctx, tx, scanImport, `SELECT `+importCols+` FROM imports WHERE `+clause+` ORDER BY id DESC LIMIT ?`, append(args, page.Limit+1)...)
	if err != nil {
		return nil, "", err
	}
	out, next := cutPage(out, page.Limit, func(j *register.Job) string { return strconv.FormatInt(j.ID, 10) })
	return out, next, nil
}

// ImportRejects streams the rejected rows of a job in row order.
func (s *PersonService) ImportRejects(ctx context.Context, id int64, each func(register.Reject) error) error {
	if _, err := s.ImportJob(ctx, id); err != nil {
		return err
	}
	after := -1
	for {
		tx, err := s.db.BeginRead(ctx)
		if err != nil {
			return err
		}
		rs, err := queryAll(ctx, tx, func(r scanner) (register.Reject, error) {
			var rj register.Reject
			err := r.Scan(&rj.Row, &rj.Field, &rj.Message)
			return rj, err
		}, `SELECT row_no, field, message FROM import_rejects WHERE import_id = ? AND row_no > ? ORDER BY row_no LIMIT 5000`, id, after)
		tx.Rollback()
		if err != nil {
			return err
		}
		for _, r := range rs {
			if err := each(r); err != nil {
				return err
			}
		}
		if len(rs) < 5000 {
			return nil
		}
		after = rs[len(rs)-1].Row
	}
}

// --- the pipeline

// importItem is one data row on its way through the pipeline.
type importItem struct {
	row      int
	p        *yanglao.Person
	sp       sealedPerson
	statuses []*yanglao.Status
	key      [20]byte // the id_hash, decoded; zero when the ID did not parse
	skip     bool     // committed before: only its key counts (duplicates in the file)
	feed     *feedRow
	err      error
	// Built by the pipeline's workers for the writer, should the person be new:
	// the people row (id and times left to fill) and the audit entry's detail.
	values []any
	detail string
}

// regionCache answers placePersonWith from memory; a miss asks the database once.
type regionCache struct {
	db *DB
	mu sync.RWMutex
	m  map[string]regionHit
}

type regionHit struct {
	path string
	err  error
}

func (c *regionCache) lookup(ctx context.Context) func(field, code string) (string, error) {
	return func(field, code string) (string, error) {
		c.mu.RLock()
		h, ok := c.m[code]
		c.mu.RUnlock()
		if !ok {
			h = c.load(ctx, field, code)
			if h.err != nil && yanglao.ErrorCode(h.err) == yanglao.EINTERNAL {
				return "", h.err // not cached
			}
			c.mu.Lock()
			c.m[code] = h
			c.mu.Unlock()
		}
		if h.err != nil && yanglao.ErrorField(h.err) != field {
			// The message names the field of the first lookup; rename it for this one.
			return "", yanglao.Invalid(field, "%s", yanglao.ErrorMessage(h.err))
		}
		return h.path, h.err
	}
}

func (c *regionCache) load(ctx context.Context, field, code string) regionHit {
	tx, err := c.db.BeginRead(ctx)
	if err != nil {
		return regionHit{err: err}
	}
	defer tx.Rollback()
	p, err := tx.regionPath(ctx, field, code)
	return regionHit{path: p, err: err}
}

// pipe is a running pipeline: batches arrive on out in file order.
type pipe struct {
	out    <-chan []*importItem
	header *register.Header
	total  atomic.Int64 // rows the file says it has, when it says
	stop   func() error // stops the goroutines and returns a read error
}

// pipeline reads the file and prepares rows in parallel, delivering batches in
// file order. Rows up to skipUpTo are marked skip (committed before a resume).
func (s *PersonService) pipeline(ctx context.Context, u *register.Upload, kind register.Kind, batch, skipUpTo int,
	prepare func(ctx context.Context, h *register.Header, it *importItem, cells []string)) (*pipe, error) {
	rr, err := register.NewReader(u.Format, u.File, u.Size)
	if err != nil {
		return nil, err
	}
	h, headerRow, err := readHeader(rr, kind)
	if err != nil {
		return nil, err
	}
	type work struct {
		items []*importItem
		cells [][]string
		done  chan []*importItem
	}
	ctx, cancel := context.WithCancel(ctx)
	workers := max(1, runtime.GOMAXPROCS(0))
	todo := make(chan *work, workers)
	ordered := make(chan *work, workers+1)
	out := make(chan []*importItem, 1)
	pp := &pipe{out: out, header: h}
	var readErr error
	var wg sync.WaitGroup
	// Reader.
	go func() {
		defer close(todo)
		defer close(ordered)
		w := &work{done: make(chan []*importItem, 1)}
		send := func() bool {
			select {
			case ordered <- w:
			case <-ctx.Done():
				return false
			}
			select {
			case todo <- w:
			case <-ctx.Done():
				return false
			}
			w = &work{done: make(chan []*importItem, 1)}
			return true
		}
		first := true
		for {
			row, cells, err := rr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				readErr = err
				cancel()
				return
			}
			if first {
				if t := rr.Total(); t > headerRow {
					pp.total.Store(int64(t - headerRow))
				}
				first = false
			}
			if register.Blank(cells) {
				continue
			}
			w.items = append(w.items, &importItem{row: row, skip: row <= skipUpTo})
			w.cells = append(w.cells, slices.Clone(cells))
			if len(w.items) == batch && !send() {
				return
			}
		}
		if len(w.items) > 0 {
			send()
		}
	}()
	// Workers.
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for w := range todo {
				for i, it := range w.items {
					prepare(ctx, h, it, w.cells[i])
				}
				w.done <- w.items
			}
		}()
	}
	// In order.
	go func() {
		defer close(out)
		for w := range ordered {
			var items []*importItem
			select {
			case items = <-w.done:
			case <-ctx.Done():
				return
			}
			select {
			case out <- items:
			case <-ctx.Done():
				return
			}
		}
	}()
	pp.stop = func() error {
		cancel()
		wg.Wait()
		return readErr
	}
	return pp, nil
}

// preparePersonRow parses, validates, places and seals one row of a people file.
func (s *PersonService) preparePersonRow(jobID int64, now time.Time, rc *regionCache) func(ctx context.Context, h *register.Header, it *importItem, cells []string) {
	return func(ctx context.Context, h *register.Header, it *importItem, cells []string) {
		if it.skip {
			if id, err := register.IDCell(h.CellFor(cells, register.ColIDNumber)); err == nil {
				if cid, err := ParseCitizenID("id_number", id, now); err == nil {
					it.key = hashKey(s.box.Hash(cid.String()))
				}
			}
			return
		}
		p, statuses, err := h.Person(cells)
		if err != nil {
			it.err = err
			if id, err := register.IDCell(h.CellFor(cells, register.ColIDNumber)); err == nil {
				if cid, err := ParseCitizenID("id_number", id, now); err == nil {
					it.key = hashKey(s.box.Hash(cid.String()))
				}
			}
			return
		}
		if p.IDNumber == register.ExampleID {
			it.err = yanglao.Invalid("id_number", "这是模板中的示例行，请删除后再导入 (this is the template's example row: delete it)")
			return
		}
		raw := p.IDNumber
		it.sp, err = s.preparePerson(p, now)
		if err != nil {
			it.err = err
			if cid, err := ParseCitizenID("id_number", raw, now); err == nil {
				it.key = hashKey(s.box.Hash(cid.String()))
			}
			return
		}
		it.key = hashKey(it.sp.idHash)
		if err := placePersonWith(ctx, p, rc.lookup(ctx)); err != nil {
			it.err = err
			return
		}
		for _, st := range statuses {
			if st.Start.Before(p.BirthDate) {
				it.err = yanglao.Invalid("status_start", "开始日期早于出生日期 (start is before birth)")
				return
			}
		}
		it.p, it.statuses = p, statuses
		sp := it.sp
		it.values = []any{nil, p.CountyCode, p.ResidenceCode, p.ResidencePath, nullString(p.HouseholdCode), p.Name, p.Sex, s.db.dateArg(p.BirthDate),
			sp.idHash, sp.idSealed, p.IDMasked, sp.phonesSealed, strings.Join(p.PhonesMasked, ","), p.Ethnicity, p.Address, p.Lng, p.Lat, p.Living,
			p.DisabilityCert, p.DisabilityGrade, strings.Join(p.Chronic, ","), sp.contactsSealed, yanglao.Alive, 1, nil, nil}
		it.detail = fmt.Sprintf("import %d row %d: name=%s residence=%s", jobID, it.row, p.Name, p.ResidenceCode)
	}
}

func hashKey(h string) [20]byte {
	var k [20]byte
	hex.Decode(k[:], []byte(h))
	return k
}

// importCounts are what a batch adds to the job.
type importCounts struct {
	created, updated, same, rejected int
}

// dupCheck rejects the second and later rows carrying the same citizen ID.
type dupCheck map[[20]byte]int32

func (d dupCheck) check(it *importItem) {
	if it.key == ([20]byte{}) {
		return
	}
	if first, seen := d[it.key]; seen {
		if it.err == nil && !it.skip {
			it.err = yanglao.Invalid("id_number", "与第%d行的身份证号重复 (same citizen ID as row %d)", first, first)
		}
		return
	}
	d[it.key] = int32(it.row)
}

// batchSize is the rows the pipeline hands over at a time, and on PostgreSQL
// the rows of a transaction.
func (s *PersonService) batchSize() int {
	if s.db.Dialect == Postgres {
		return importBatchPostgres
	}
	return importBatchSQLite
}

// commitRows is the rows a transaction holds. SQLite writes every page a
// transaction dirtied at commit, and rows land at random places in the
// citizen-ID, name, birth-date and phone indexes, so small transactions would
// rewrite the same index pages over and over; it commits every commitSQLite
// rows. PostgreSQL logs rows, not pages, and commits every batch.
func (s *PersonService) commitRows() int {
	if s.db.Dialect == Postgres {
		return importBatchPostgres
	}
	return commitSQLite
}

// runPeople imports a people file: in all-or-nothing mode a checking pass
// first, which writes only rejected rows; then the writing pass.
func (s *PersonService) runPeople(ctx context.Context, job *register.Job, u *register.Upload) error {
	if job.Phase == register.PhaseChecking {
		if err := s.checkPeople(ctx, job, u); err != nil {
			return err
		}
		if job.Rejected > 0 {
			return nil
		}
		tx, err := s.db.BeginTx(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		if _, err := tx.Exec(ctx, `UPDATE imports SET phase = ?, rows_done = 0, last_row = 0, heartbeat_at = ? WHERE id = ?`,
			register.PhaseWriting, tx.now, job.ID); err != nil {
			return err
		}
		if err := tx.Commit(); err != nil {
			return err
		}
		job.Phase, job.Done, job.LastRow = register.PhaseWriting, 0, 0
	}
	return s.writePeople(ctx, job, u)
}

// checkPeople is the first pass of an all-or-nothing import: every row is
// validated, and IDs registered outside the actor's region are found, without
// writing any person. It starts over when resumed.
func (s *PersonService) checkPeople(ctx context.Context, job *register.Job, u *register.Upload) error {
	now := s.db.Now()
	if err := s.resetImport(ctx, job); err != nil {
		return err
	}
	rc := &regionCache{db: s.db, m: map[string]regionHit{}}
	pp, err := s.pipeline(ctx, u, register.People, s.batchSize(), 0, s.preparePersonRow(job.ID, now, rc))
	if err != nil {
		return err
	}
	defer pp.stop()
	dups := dupCheck{}
	a := yanglao.ActorFromContext(ctx)
	counties := freshCounties{db: s.db, m: map[string]bool{}}
	for items := range pp.out {
		job.Total = max(job.Total, int(pp.total.Load()))
		for _, it := range items {
			dups.check(it)
		}
		fresh, err := counties.allFresh(ctx, items)
		if err != nil {
			return err
		}
		var keys []string
		for _, it := range items {
			if it.err == nil && !fresh {
				keys = append(keys, it.sp.idHash)
			}
		}
		// IDs already registered outside the actor's region.
		outside := map[string]bool{}
		if !a.Unrestricted() {
			for start := 0; start < len(keys); start += 500 {
				chunk := keys[start:min(start+500, len(keys))]
				args := make([]any, len(chunk))
				for i, k := range chunk {
					args[i] = k
				}
				rows, err := s.db.read.QueryContext(ctx, s.db.rebind(`SELECT id_hash, residence_path FROM people WHERE id_hash IN (`+inList(len(chunk))+`)`), args...)
				if err != nil {
					return err
				}
				for rows.Next() {
					var h, path string
					if err := rows.Scan(&h, &path); err != nil {
						rows.Close()
						return err
					}
					if !a.SeesPath(path) {
						outside[h] = true
					}
				}
				rows.Close()
				if err := rows.Err(); err != nil {
					return err
				}
			}
		}
		var rejects []register.Reject
		for _, it := range items {
			if it.err == nil && outside[it.sp.idHash] {
				it.err = errOutsideRegion
			}
			if it.err != nil {
				rejects = append(rejects, register.RejectOf(it.row, it.err))
			}
		}
		if err := s.saveProgress(ctx, job, items, rejects, importCounts{rejected: len(rejects)}); err != nil {
			return err
		}
	}
	if err := pp.stop(); err != nil {
		return err
	}
	return ctx.Err()
}

var errOutsideRegion = yanglao.Invalid("id_number", "该身份证号已在您的辖区外登记，请联系其所在地迁移 (this citizen ID is registered outside your region: ask that region to transfer the person)")

// resetImport clears what a restarted checking pass will write again.
func (s *PersonService) resetImport(ctx context.Context, job *register.Job) error {
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.Exec(ctx, `DELETE FROM import_rejects WHERE import_id = ?`, job.ID); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE imports SET rows_done = 0, last_row = 0, rows_rejected = 0, heartbeat_at = ? WHERE id = ?`, tx.now, job.ID); err != nil {
		return err
	}
	job.Done, job.LastRow, job.Rejected = 0, 0, 0
	return tx.Commit()
}

// saveProgress commits the rejects and counters of a checking batch in a
// transaction of its own (in the writing pass they ride in the batch's).
func (s *PersonService) saveProgress(ctx context.Context, job *register.Job, items []*importItem, rejects []register.Reject, c importCounts) error {
	btx, err := s.db.beginBulk(ctx)
	if err != nil {
		return err
	}
	defer btx.rollback()
	if err := btx.progress(ctx, job, items, rejects, c, 0); err != nil {
		return err
	}
	return btx.commit()
}

// jobMu guards the in-memory counters of running jobs, which parallel batch
// transactions advance as they commit.
var jobMu sync.Mutex

// progress writes rejects and advances the job's counters inside b: the
// counters by increments, the resume point (when lastRow > 0) only upwards, so
// transactions of one job may commit in any order. The in-memory job follows
// when b commits.
func (b *bulkTx) progress(ctx context.Context, job *register.Job, items []*importItem, rejects []register.Reject, c importCounts, lastRow int) error {
	rows := make([][]any, len(rejects))
	for i, r := range rejects {
		rows[i] = []any{job.ID, r.Row, r.Field, r.Message}
	}
	if err := b.insertRows(ctx, "import_rejects", []string{"import_id", "row_no", "field", "message"}, rows); err != nil {
		return err
	}
	done := 0
	for _, it := range items {
		if !it.skip {
			done++
		}
	}
	jobMu.Lock()
	total := job.Total
	jobMu.Unlock()
	if _, err := b.Exec(ctx, `UPDATE imports SET rows_done = rows_done + ?, rows_created = rows_created + ?, rows_updated = rows_updated + ?,
		rows_same = rows_same + ?, rows_rejected = rows_rejected + ?,
		last_row = CASE WHEN ? > last_row THEN ? ELSE last_row END,
		rows_total = CASE WHEN ? > rows_total THEN ? ELSE rows_total END, heartbeat_at = ? WHERE id = ?`,
		done, c.created, c.updated, c.same, c.rejected, lastRow, lastRow, total, total, b.now, job.ID); err != nil {
		return err
	}
	now := b.now
	b.pending = append(b.pending, func() {
		jobMu.Lock()
		defer jobMu.Unlock()
		job.Done += done
		job.Created += c.created
		job.Updated += c.updated
		job.Same += c.same
		job.Rejected += c.rejected
		job.LastRow = max(job.LastRow, lastRow)
		job.Total = max(job.Total, job.Done)
		job.Heartbeat = now
		live(job.ID).set(job)
	})
	return nil
}

// writePeople is the writing pass: batches of rows upserted by citizen ID.
func (s *PersonService) writePeople(ctx context.Context, job *register.Job, u *register.Upload) error {
	deferred, err := s.shouldDeferIndexes(ctx, job, u)
	if err != nil {
		return err
	}
	if deferred {
		if err := s.db.deferIndexes(ctx, job.ID); err != nil {
			return err
		}
	}
	for attempt := 0; ; attempt++ {
		err := s.writePeopleOnce(ctx, job, u, attempt == 0, deferred)
		if !errors.Is(err, errRedoFromResume) || attempt == 1 {
			return err
		}
		// Go on from the last commit, looking every citizen ID up.
	}
}

// errRedoFromResume: SQLite's transaction of several batches met a person
// registered meanwhile; rather than keep its batches in memory to redo them,
// the pass starts again after the last commit, with lookups.
var errRedoFromResume = errors.New("import: redo from the resume point")

// shouldDeferIndexes tells whether the pass loads the people table without its
// secondary indexes and builds them after (see deferIndexes): when the rows
// still to write are at least deferIndexesMin and the register holds fewer
// than a quarter as many people — a first load, not an update of a register in use.
func (s *PersonService) shouldDeferIndexes(ctx context.Context, job *register.Job, u *register.Upload) (bool, error) {
	rows := job.Total
	if rows == 0 && u.Format == register.XLSX {
		rows = int(u.Size / 100) // no <dimension>: a register's .xlsx row takes some 50–150 bytes zipped
	}
	rows -= job.LastRow
	if rows < deferIndexesMin {
		return false, nil
	}
	var have int
	err := s.db.read.QueryRowContext(ctx, s.db.rebind(`SELECT COUNT(*) FROM (SELECT 1 FROM people LIMIT ?) t`), rows/4+1).Scan(&have)
	return have <= rows/4, err
}

func (s *PersonService) writePeopleOnce(ctx context.Context, job *register.Job, u *register.Upload, optimistic, deferred bool) error {
	now := s.db.Now()
	rc := &regionCache{db: s.db, m: map[string]regionHit{}}
	pp, err := s.pipeline(ctx, u, register.People, s.batchSize(), job.LastRow, s.preparePersonRow(job.ID, now, rc))
	if err != nil {
		return err
	}
	defer pp.stop()
	if s.db.Dialect == Postgres {
		err = s.writePeopleParallel(ctx, job, pp)
	} else {
		err = s.writePeopleSerial(ctx, job, pp, optimistic, !deferred)
	}
	if err != nil {
		return err
	}
	if err := pp.stop(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if deferred {
		if err := s.db.restoreDeferredIndexes(ctx); err != nil {
			return err
		}
	}
	if s.db.Dialect == Postgres || deferred {
		return s.flagDuplicatesSince(ctx, job.StartedAt)
	}
	return nil
}

var afterBatchMu sync.Mutex

func batchCommitted(job *register.Job) {
	if afterBatch != nil {
		afterBatchMu.Lock()
		afterBatch(job)
		afterBatchMu.Unlock()
	}
}

// writePeopleSerial is SQLite's writer: one connection, transactions of
// commitRows rows made of several batches.
func (s *PersonService) writePeopleSerial(ctx context.Context, job *register.Job, pp *pipe, mayAssumeFresh, flagDups bool) error {
	var (
		btx      *bulkTx
		inTx     int // rows the open transaction holds
		dups     = dupCheck{}
		counties = freshCounties{db: s.db, m: map[string]bool{}}
		err      error
	)
	defer func() {
		if btx != nil {
			btx.rollback()
		}
	}()
	commit := func() error {
		err := btx.commit()
		btx, inTx = nil, 0
		if err == nil {
			batchCommitted(job)
		}
		return err
	}
	resumeAfter := job.LastRow
	for items := range pp.out {
		jobMu.Lock()
		job.Total = max(job.Total, int(pp.total.Load()))
		jobMu.Unlock()
		for _, it := range items {
			dups.check(it)
		}
		if items[len(items)-1].row <= resumeAfter {
			continue // committed before the interruption
		}
		optimistic, err := counties.allFresh(ctx, items)
		if err != nil {
			return err
		}
		optimistic = optimistic && mayAssumeFresh
		for attempt := 0; ; attempt++ {
			if btx == nil {
				if btx, err = s.db.beginBulk(ctx); err != nil {
					return err
				}
			}
			err = s.writePeopleBatch(ctx, btx, job, pp.header, items, optimistic && attempt == 0, flagDups, nil)
			if err == nil {
				break
			}
			// Someone registered one of these people meanwhile (or the person moved
			// in from another county): do the batch again, looking every citizen ID
			// up — or, when the transaction holds earlier batches too, start again
			// from the last commit.
			if !isUniqueViolation(err) || attempt == 1 {
				return err
			}
			btx.rollback()
			btx = nil
			if inTx > 0 {
				return errRedoFromResume
			}
		}
		if inTx += len(items); inTx >= s.commitRows() {
			if err := commit(); err != nil {
				return err
			}
		}
	}
	if btx != nil {
		return commit()
	}
	return err
}

// writePeopleParallel is PostgreSQL's writer: batches, each its own
// transaction, on several connections at once, so the server works on more
// than one core. Duplicates within the file are rejected before a batch is
// handed out, so no two batches insert the same person. The heavy part (people,
// phones, statuses) runs in parallel; each batch then waits for the one before
// it to commit, and appends to the audit chain, advances the job and commits
// in file order — so the resume point is exact and the audit chain follows the file.
func (s *PersonService) writePeopleParallel(ctx context.Context, job *register.Job, pp *pipe) error {
	resumeAfter := job.LastRow // read before the workers move it
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type task struct {
		seq        int
		items      []*importItem
		optimistic bool
	}
	var (
		tasks     = make(chan task)
		wg        sync.WaitGroup
		errMu     sync.Mutex
		firstErr  error
		turnMu    sync.Mutex
		turns     = map[int]chan struct{}{}
		analyzeAt = 10_000
	)
	turnOf := func(seq int) chan struct{} { // closed when batch seq may go on
		turnMu.Lock()
		defer turnMu.Unlock()
		ch, ok := turns[seq]
		if !ok {
			ch = make(chan struct{})
			turns[seq] = ch
		}
		return ch
	}
	close(turnOf(0))
	fail := func(err error) {
		errMu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		errMu.Unlock()
		cancel()
	}
	for range max(2, min(runtime.GOMAXPROCS(0), 4)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for t := range tasks {
				turn := func() error {
					select {
					case <-turnOf(t.seq):
						return nil
					case <-ctx.Done():
						return ctx.Err()
					}
				}
				var err error
				for attempt := 0; attempt < 3; attempt++ {
					var btx *bulkTx
					if btx, err = s.db.beginBulk(ctx); err != nil {
						break
					}
					err = s.writePeopleBatch(ctx, btx, job, pp.header, t.items, t.optimistic && attempt == 0, false, turn)
					if err == nil {
						err = btx.commit()
					} else {
						btx.rollback()
					}
					if !isUniqueViolation(err) {
						break
					}
				}
				if err != nil {
					fail(err)
					continue
				}
				close(turnOf(t.seq + 1))
				turnMu.Lock()
				delete(turns, t.seq)
				turnMu.Unlock()
				batchCommitted(job)
				jobMu.Lock()
				analyze := job.Created >= analyzeAt
				if analyze {
					analyzeAt *= 4
				}
				jobMu.Unlock()
				if analyze {
					s.db.analyzeRegister(ctx)
				}
			}
		}()
	}
	dups := dupCheck{}
	counties := freshCounties{db: s.db, m: map[string]bool{}}
	seq := 0
dispatch:
	for items := range pp.out {
		jobMu.Lock()
		job.Total = max(job.Total, int(pp.total.Load()))
		jobMu.Unlock()
		for _, it := range items {
			dups.check(it)
		}
		if items[len(items)-1].row <= resumeAfter {
			continue
		}
		optimistic, err := counties.allFresh(ctx, items)
		if err != nil {
			fail(err)
			break
		}
		select {
		case tasks <- task{seq, items, optimistic}:
			seq++
		case <-ctx.Done():
			break dispatch
		}
	}
	close(tasks)
	wg.Wait()
	return firstErr
}

// flagDuplicatesSince flags every person created since t against the others
// of the same name and birth date in the county registered before them, as
// createPerson does one by one. Set-based, once per import on PostgreSQL (whose
// batches commit in parallel and cannot see each other); flags already made
// stay as they are, so a resumed job can run it again.
func (s *PersonService) flagDuplicatesSince(ctx context.Context, t time.Time) error {
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// The groups of one name and birth date come from one ordered pass over
	// the people_dup index; only people in a group of two or more are joined.
	if _, err := tx.Exec(ctx, `INSERT INTO person_reviews (person_id, other_id, county_code, reason, created_at)
		SELECT n.id, o.id, n.county_code, 'same name and birth date in county', ?
		FROM (SELECT county_code, name, birth_date FROM people GROUP BY county_code, name, birth_date HAVING COUNT(*) > 1) d
		JOIN people n ON n.county_code = d.county_code AND n.name = d.name AND n.birth_date = d.birth_date
		JOIN people o ON o.county_code = n.county_code AND o.name = n.name AND o.birth_date = n.birth_date AND o.id < n.id
		WHERE n.created_at >= ?
		ON CONFLICT (person_id, other_id) DO NOTHING`, tx.now, t); err != nil {
		return err
	}
	return tx.Commit()
}

// freshCounties remembers which counties held nobody when the job first met
// them. A batch whose people all live in such counties can only meet people of
// its own file (and duplicates there are already rejected), so it is inserted
// without looking its citizen IDs up; should someone else have registered one
// meanwhile, the unique index refuses the insert and the batch is done again
// with lookups. The first import of a county is the common large import.
type freshCounties struct {
	db *DB
	m  map[string]bool
}

func (f *freshCounties) allFresh(ctx context.Context, items []*importItem) (bool, error) {
	all := true
	for _, it := range items {
		if it.err != nil || it.skip {
			continue
		}
		c := it.p.CountyCode
		fresh, ok := f.m[c]
		if !ok {
			var any int
			err := f.db.read.QueryRowContext(ctx, f.db.rebind(`SELECT COUNT(*) FROM (SELECT 1 FROM people WHERE county_code = ? LIMIT 1) x`), c).Scan(&any)
			if err != nil {
				return false, err
			}
			fresh = any == 0
			f.m[c] = fresh
		}
		all = all && fresh
	}
	return all, nil
}

// existingPerson is a stored person met again in a file.
type existingPerson struct {
	p                            *yanglao.Person
	phonesSealed, contactsSealed []byte
	statuses                     []*yanglao.Status
}

// existingPeople loads the people of the given id hashes, with their statuses.
func (b *bulkTx) existingPeople(ctx context.Context, hashes []string) (map[string]*existingPerson, error) {
	out := map[string]*existingPerson{}
	byID := map[int64]*existingPerson{}
	for start := 0; start < len(hashes); start += 500 {
		chunk := hashes[start:min(start+500, len(hashes))]
		args := make([]any, len(chunk))
		for i, h := range chunk {
			args[i] = h
		}
		rows, err := b.Query(ctx, `SELECT id_hash, phones_sealed, contacts_sealed, `+personCols+` FROM people p WHERE id_hash IN (`+inList(len(chunk))+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			e := &existingPerson{}
			var h string
			p, err := scanPerson(prefixScanner{rows, []any{&h, &e.phonesSealed, &e.contactsSealed}})
			if err != nil {
				rows.Close()
				return nil, err
			}
			e.p = p
			out[h], byID[p.ID] = e, e
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	ids := make([]int64, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		sts, err := queryAll(ctx, b.Tx, scanStatus, `SELECT `+statusCols+` FROM person_statuses WHERE person_id IN (`+inList(len(chunk))+`) ORDER BY id`, args...)
		if err != nil {
			return nil, err
		}
		for _, st := range sts {
			byID[st.PersonID].statuses = append(byID[st.PersonID].statuses, st)
		}
	}
	return out, nil
}

// prefixScanner scans leading columns into pre before handing the rest on.
type prefixScanner struct {
	r   scanner
	pre []any
}

func (p prefixScanner) Scan(dest ...any) error {
	return p.r.Scan(append(slices.Clone(p.pre), dest...)...)
}

var peopleInsertCols = []string{"id", "county_code", "residence_code", "residence_path", "household_code", "name", "sex", "birth_date",
	"id_hash", "id_sealed", "id_masked", "phones_sealed", "phones_masked", "ethnicity", "address", "lng", "lat", "living",
	"disability_cert", "disability_grade", "chronic", "contacts_sealed", "life_status", "version", "created_at", "updated_at"}

var statusInsertCols = []string{"person_id", "county_code", "kind", "source", "start_date", "end_date", "note", "created_at"}

// writePeopleBatch upserts one batch inside btx.
//
// flagDups flags new people of the same name and birth date in the batch (else
// the pass does it once at its end: flagDuplicatesSince). turn, when set, is
// awaited before the batch appends to the audit chain and advances the job, so
// that parallel batches do those — and commit — in file order.
func (s *PersonService) writePeopleBatch(ctx context.Context, btx *bulkTx, job *register.Job, hdr *register.Header, items []*importItem, optimistic, flagDups bool, turn func() error) error {
	a := yanglao.ActorFromContext(ctx)
	var hashes []string
	for _, it := range items {
		if it.err == nil && !it.skip && !optimistic {
			hashes = append(hashes, it.sp.idHash)
		}
	}
	existing, err := btx.existingPeople(ctx, hashes)
	if err != nil {
		return err
	}
	var (
		c        importCounts
		rejects  []register.Reject
		fresh    []*importItem
		audits   []auditEntry
		statuses [][]any
	)
	for _, it := range items {
		if it.skip {
			continue
		}
		if it.err == nil {
			if e, ok := existing[it.sp.idHash]; ok && !a.SeesPath(e.p.ResidencePath) {
				it.err = errOutsideRegion
			}
		}
		if it.err != nil {
			rejects = append(rejects, register.RejectOf(it.row, it.err))
			continue
		}
		e, ok := existing[it.sp.idHash]
		if !ok {
			fresh = append(fresh, it)
			continue
		}
		changed, err := s.updateImported(ctx, btx, hdr, e, it)
		if err != nil {
			if yanglao.ErrorCode(err) == yanglao.EINVALID {
				rejects = append(rejects, register.RejectOf(it.row, err))
				continue
			}
			return err
		}
		var detail []string
		if len(changed) > 0 {
			detail = append(detail, "changed: "+strings.Join(changed, ","))
		}
		for _, st := range it.statuses {
			if overlapping(e.statuses, st) {
				continue
			}
			statuses = append(statuses, []any{e.p.ID, e.p.CountyCode, st.Kind, st.Source, btx.dateArg(st.Start), btx.dateArg(st.End), "", btx.now})
			detail = append(detail, fmt.Sprintf("status %s from %s source=%s", st.Kind, st.Start, st.Source))
		}
		if len(detail) == 0 {
			c.same++
			continue
		}
		c.updated++
		audits = append(audits, auditEntry{yanglao.AuditUpdate, "person", strconv.FormatInt(e.p.ID, 10),
			fmt.Sprintf("import %d row %d: %s", job.ID, it.row, strings.Join(detail, "; "))})
	}
	if len(fresh) > 0 {
		ids, err := btx.nextIDs(ctx, "people", len(fresh))
		if err != nil {
			return err
		}
		rows := make([][]any, len(fresh))
		var phones [][]any
		now := any(btx.now)
		for i, it := range fresh {
			p, sp := it.p, it.sp
			p.ID, p.Version, p.CreatedAt, p.UpdatedAt = ids[i], 1, btx.now, btx.now
			rows[i] = it.values
			rows[i][0], rows[i][24], rows[i][25] = p.ID, now, now
			seen := map[string]bool{}
			for _, h := range sp.phoneHashes {
				if !seen[h] {
					seen[h] = true
					phones = append(phones, []any{p.ID, h})
				}
			}
			for _, st := range it.statuses {
				statuses = append(statuses, []any{p.ID, p.CountyCode, st.Kind, st.Source, btx.dateArg(st.Start), btx.dateArg(st.End), "", btx.now})
			}
			audits = append(audits, auditEntry{yanglao.AuditCreate, "person", strconv.FormatInt(p.ID, 10), it.detail})
		}
		if err := btx.insertRows(ctx, "people", peopleInsertCols, rows); err != nil {
			return err
		}
		if err := btx.insertRows(ctx, "person_phones", []string{"person_id", "phone_hash"}, phones); err != nil {
			return err
		}
		if flagDups {
			if err := btx.flagDuplicatesOf(ctx, ids); err != nil {
				return err
			}
		}
		c.created = len(fresh)
	}
	if err := btx.insertRows(ctx, "person_statuses", statusInsertCols, statuses); err != nil {
		return err
	}
	if turn != nil {
		if err := turn(); err != nil {
			return err
		}
	}
	if err := btx.auditMany(ctx, audits); err != nil {
		return err
	}
	c.rejected = len(rejects)
	return btx.progress(ctx, job, items, rejects, c, items[len(items)-1].row)
}

// overlapping reports whether a status of the same kind already covers part of
// st's period: the register keeps such a status as it is (AddStatus would
// refuse the overlap), so importing the same statuses again adds nothing.
func overlapping(have []*yanglao.Status, st *yanglao.Status) bool {
	end := yanglao.Date{Year: 9999, Month: 12, Day: 31}
	if !st.End.IsZero() {
		end = st.End
	}
	for _, h := range have {
		hEnd := yanglao.Date{Year: 9999, Month: 12, Day: 31}
		if !h.End.IsZero() {
			hEnd = h.End
		}
		if h.Kind == st.Kind && !h.Start.After(end) && !hEnd.Before(st.Start) {
			return true
		}
	}
	return false
}

// flagDuplicatesOf flags each new person against others of the same name and
// birth date in the county, as createPerson does one by one; within the batch
// only against those created before it.
func (b *bulkTx) flagDuplicatesOf(ctx context.Context, ids []int64) error {
	lo, hi := ids[0], ids[len(ids)-1]
	for _, id := range ids {
		lo, hi = min(lo, id), max(hi, id)
	}
	_, err := b.Exec(ctx, `INSERT INTO person_reviews (person_id, other_id, county_code, reason, created_at)
		SELECT n.id, o.id, n.county_code, 'same name and birth date in county', ?
		FROM people n JOIN people o ON o.county_code = n.county_code AND o.name = n.name AND o.birth_date = n.birth_date
		WHERE n.id BETWEEN ? AND ? AND o.id <> n.id AND (o.id < n.id OR o.id > ?)
		ON CONFLICT (person_id, other_id) DO NOTHING`, b.now, lo, hi, hi)
	return err
}

// updateImported merges a file row into a stored person: columns the file has
// replace the stored values, the others stay. It writes only when something
// changed, through the register's own preparePerson, and returns the names of
// the changed fields.
func (s *PersonService) updateImported(ctx context.Context, b *bulkTx, hdr *register.Header, e *existingPerson, it *importItem) ([]string, error) {
	old := *e.p
	phones, err := s.box.Open(e.phonesSealed)
	if err != nil {
		return nil, err
	}
	old.Phones = splitList(phones)
	if len(e.contactsSealed) > 0 {
		raw, err := s.box.Open(e.contactsSealed)
		if err != nil {
			return nil, err
		}
		var cs struct {
			Contacts []yanglao.Contact `json:"contacts"`
			Guardian *yanglao.Contact  `json:"guardian"`
		}
		if err := json.Unmarshal([]byte(raw), &cs); err != nil {
			return nil, err
		}
		old.Contacts, old.Guardian = cs.Contacts, cs.Guardian
	}
	n := old
	n.IDNumber = it.p.IDNumber
	f := it.p
	var changed []string
	set := func(name string, has, differs bool, apply func()) {
		if has && differs {
			changed = append(changed, name)
			apply()
		}
	}
	set("name", true, n.Name != f.Name, func() { n.Name = f.Name })
	set("residence_code", true, n.ResidenceCode != f.ResidenceCode, func() {
		n.ResidenceCode, n.ResidencePath, n.CountyCode = f.ResidenceCode, f.ResidencePath, f.CountyCode
	})
	set("household_code", hdr.Has(register.ColHousehold), n.HouseholdCode != f.HouseholdCode, func() { n.HouseholdCode = f.HouseholdCode })
	set("phones", hdr.Has(register.ColPhones), !slices.Equal(n.Phones, f.Phones), func() { n.Phones = f.Phones })
	set("address", hdr.Has(register.ColAddress), n.Address != f.Address, func() { n.Address = f.Address })
	set("coordinates", hdr.Has(register.ColLng) || hdr.Has(register.ColLat), !sameFloat(n.Lng, f.Lng) || !sameFloat(n.Lat, f.Lat),
		func() { n.Lng, n.Lat = f.Lng, f.Lat })
	set("ethnicity", hdr.Has(register.ColEthnicity), n.Ethnicity != f.Ethnicity, func() { n.Ethnicity = f.Ethnicity })
	set("living", hdr.Has(register.ColLiving), n.Living != f.Living, func() { n.Living = f.Living })
	set("disability_cert", hdr.Has(register.ColDisabilityCert), n.DisabilityCert != f.DisabilityCert, func() { n.DisabilityCert = f.DisabilityCert })
	set("disability_grade", hdr.Has(register.ColDisabilityGrade), n.DisabilityGrade != f.DisabilityGrade, func() { n.DisabilityGrade = f.DisabilityGrade })
	set("chronic", hdr.Has(register.ColChronic), !slices.Equal(n.Chronic, f.Chronic), func() { n.Chronic = f.Chronic })
	hasContact := hdr.Has(register.ColContactName) || hdr.Has(register.ColContactRelation) || hdr.Has(register.ColContactPhone)
	set("contacts", hasContact, !slices.Equal(n.Contacts, f.Contacts), func() { n.Contacts = f.Contacts })
	if len(changed) == 0 {
		return nil, nil
	}
	sp, err := s.preparePerson(&n, b.now)
	if err != nil {
		return nil, err
	}
	st, err := b.prepared(ctx, `UPDATE people SET county_code = ?, residence_code = ?, residence_path = ?, household_code = ?, name = ?,
		phones_sealed = ?, phones_masked = ?, ethnicity = ?, address = ?, lng = ?, lat = ?, living = ?, disability_cert = ?, disability_grade = ?,
		chronic = ?, contacts_sealed = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`)
	if err != nil {
		return nil, err
	}
	res, err := st.ExecContext(ctx, n.CountyCode, n.ResidenceCode, n.ResidencePath, nullString(n.HouseholdCode), n.Name,
		sp.phonesSealed, strings.Join(n.PhonesMasked, ","), n.Ethnicity, n.Address, n.Lng, n.Lat, n.Living, n.DisabilityCert, n.DisabilityGrade,
		strings.Join(n.Chronic, ","), sp.contactsSealed, b.now, n.ID, n.Version)
	if err != nil {
		return nil, err
	}
	if k, _ := res.RowsAffected(); k != 1 {
		return nil, fmt.Errorf("import: person %d changed during the batch", n.ID)
	}
	if slices.Contains(changed, "phones") {
		if err := b.savePhones(ctx, n.ID, sp.phoneHashes); err != nil {
			return nil, err
		}
	}
	return changed, nil
}

func sameFloat(a, b *float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

// --- data-exchange feeds: deaths and moves

// runFeed applies a feed of deaths or moves. Every row goes through the same
// change as an edit of the person: life status and date, a version bump, the
// life_events outbox (once per person, kind and date) and an audit entry. A
// row that is already true changes nothing. All-or-nothing feeds are first
// applied in transactions that are rolled back, to find the rejected rows.
func (s *PersonService) runFeed(ctx context.Context, job *register.Job, u *register.Upload) error {
	if job.Phase == register.PhaseChecking {
		if err := s.resetImport(ctx, job); err != nil {
			return err
		}
		if err := s.feedPass(ctx, job, u, true); err != nil {
			return err
		}
		if job.Rejected > 0 {
			return nil
		}
		tx, err := s.db.BeginTx(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		if _, err := tx.Exec(ctx, `UPDATE imports SET phase = ?, rows_done = 0, last_row = 0, heartbeat_at = ? WHERE id = ?`,
			register.PhaseWriting, tx.now, job.ID); err != nil {
			return err
		}
		if err := tx.Commit(); err != nil {
			return err
		}
		job.Phase, job.Done, job.LastRow = register.PhaseWriting, 0, 0
	}
	return s.feedPass(ctx, job, u, false)
}

// feedRow is a parsed feed row.
type feedRow struct {
	register.FeedRow
	hash string
}

func (s *PersonService) feedPass(ctx context.Context, job *register.Job, u *register.Upload, dry bool) error {
	now := s.db.Now()
	skip := job.LastRow
	if dry {
		skip = 0
	}
	pp, err := s.pipeline(ctx, u, job.Kind, feedBatch, skip, func(ctx context.Context, h *register.Header, it *importItem, cells []string) {
		r, err := h.Feed(cells)
		if err == nil {
			var cid idcardID
			if cid, err = ParseCitizenID("id_number", r.IDNumber, now); err == nil {
				r.IDNumber = cid.String()
				it.feed = &feedRow{FeedRow: r, hash: s.box.Hash(r.IDNumber)}
				it.key = hashKey(it.feed.hash)
			}
		}
		if !it.skip {
			it.err = err
		}
	})
	if err != nil {
		return err
	}
	defer pp.stop()
	dups := dupCheck{}
	for items := range pp.out {
		job.Total = max(job.Total, int(pp.total.Load()))
		for _, it := range items {
			dups.check(it)
		}
		if !dry && items[len(items)-1].row <= job.LastRow {
			continue
		}
		if err := s.feedBatch(ctx, job, items, dry); err != nil {
			return err
		}
		if afterBatch != nil && !dry {
			afterBatch(job)
		}
	}
	if err := pp.stop(); err != nil {
		return err
	}
	return ctx.Err()
}

func (s *PersonService) feedBatch(ctx context.Context, job *register.Job, items []*importItem, dry bool) error {
	btx, err := s.db.beginBulk(ctx)
	if err != nil {
		return err
	}
	defer btx.rollback()
	a := yanglao.ActorFromContext(ctx)
	today := yanglao.DateOf(btx.now)
	var hashes []string
	for _, it := range items {
		if it.err == nil && !it.skip {
			hashes = append(hashes, it.feed.hash)
		}
	}
	existing, err := btx.existingPeople(ctx, hashes)
	if err != nil {
		return err
	}
	var c importCounts
	var rejects []register.Reject
	var audits []auditEntry
	dateField := register.ColDeathDate
	if job.Kind == register.Moves {
		dateField = register.ColMovedOutDate
	}
	for _, it := range items {
		if it.skip {
			continue
		}
		if it.err != nil {
			rejects = append(rejects, register.RejectOf(it.row, it.err))
			continue
		}
		r := it.feed
		e, ok := existing[r.hash]
		reject := func(field, format string, args ...any) {
			rejects = append(rejects, register.RejectOf(it.row, yanglao.Invalid(field, format, args...)))
		}
		switch {
		case !ok:
			reject("id_number", "登记中没有这个身份证号 (no person with this citizen ID is registered)")
			continue
		case !a.SeesPath(e.p.ResidencePath):
			reject("id_number", "此人不在您的辖区内 (this person is outside your region)")
			continue
		case r.Name != "" && r.Name != e.p.Name:
			reject("name", "姓名与登记不符 (the name does not match the register)")
			continue
		case r.Date.Before(e.p.BirthDate):
			reject(dateField, "日期早于出生日期 (the date is before birth)")
			continue
		case r.Date.After(today):
			reject(dateField, "日期不能晚于今天 (the date cannot be in the future)")
			continue
		}
		p := *e.p
		switch job.Kind {
		case register.Deaths:
			if p.Life == yanglao.Deceased {
				if p.DeathDate == r.Date {
					c.same++
				} else {
					reject(dateField, "已登记死亡，日期为 %s；如需更正请在个人页面修改 (already recorded as deceased on %s: correct it on the person's page)", p.DeathDate, p.DeathDate)
				}
				continue
			}
			p.Life, p.DeathDate = yanglao.Deceased, r.Date
		case register.Moves:
			if p.Life == yanglao.Deceased {
				reject("id_number", "此人已登记死亡 (this person is recorded as deceased)")
				continue
			}
			if p.Life == yanglao.MovedOut && p.MovedOutDate != r.Date {
				reject(dateField, "已登记于 %s 迁出；如需更正请在个人页面修改 (already recorded as moved out on %s: correct it on the person's page)", p.MovedOutDate, p.MovedOutDate)
				continue
			}
			if p.Life == yanglao.MovedOut && p.MovedTo == r.MovedTo {
				c.same++
				continue
			}
			p.Life, p.MovedOutDate, p.MovedTo = yanglao.MovedOut, r.Date, r.MovedTo
		}
		if err := p.ValidateFields(); err != nil { // the register's own rules for a life status
			rejects = append(rejects, register.RejectOf(it.row, err))
			continue
		}
		if dry {
			c.updated++
			continue
		}
		st, err := btx.prepared(ctx, `UPDATE people SET life_status = ?, death_date = ?, moved_out_date = ?, moved_to = ?,
			version = version + 1, updated_at = ? WHERE id = ? AND version = ?`)
		if err != nil {
			return err
		}
		if _, err := st.ExecContext(ctx, p.Life, nullDate(p.DeathDate), nullDate(p.MovedOutDate), p.MovedTo, btx.now, p.ID, p.Version); err != nil {
			return err
		}
		if err := btx.lifeEvent(ctx, &p); err != nil {
			return err
		}
		c.updated++
		audits = append(audits, auditEntry{yanglao.AuditUpdate, "person", strconv.FormatInt(p.ID, 10),
			fmt.Sprintf("import %d row %d (%s feed): changed: life_status", job.ID, it.row, job.Kind)})
	}
	if err := btx.auditMany(ctx, audits); err != nil {
		return err
	}
	c.rejected = len(rejects)
	if dry {
		// Checking: only the rejects and counters are kept; the changes roll back.
		btx.rollback()
		return s.saveProgress(ctx, job, items, rejects, importCounts{rejected: c.rejected})
	}
	if err := btx.progress(ctx, job, items, rejects, c, items[len(items)-1].row); err != nil {
		return err
	}
	return btx.commit()
}

// --- export

// ExportPeople writes an audit entry for the export and then hands each person
// the search finds to each, page by page (keyset, as People), with statuses.
// Exports are masked: the citizen ID and phones come masked from the table,
// which holds them in clear nowhere. Those who keep the register may export.
func (s *PersonService) ExportPeople(ctx context.Context, f yanglao.PersonFilter, format register.Format, each func(*yanglao.Person) error) error {
	if err := canWriteRegister(ctx); err != nil {
		return err
	}
	if _, _, err := s.personWhere(ctx, f, yanglao.DateOf(s.db.Now()), "p.residence_path"); err != nil {
		return err // a bad filter fails before the audit entry
	}
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := tx.audit(ctx, yanglao.AuditExport, "person", "", fmt.Sprintf("export %s, masked, filter: %s", format, describeFilter(f))); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	f.Page = yanglao.Page{Limit: yanglao.MaxPageSize}
	for {
		people, next, err := s.People(ctx, f)
		if err != nil {
			return err
		}
		if err := s.loadStatuses(ctx, people); err != nil {
			return err
		}
		for _, p := range people {
			if err := each(p); err != nil {
				return err
			}
		}
		if next == "" {
			return nil
		}
		f.Page.After = next
	}
}

func (s *PersonService) loadStatuses(ctx context.Context, people []*yanglao.Person) error {
	if len(people) == 0 {
		return nil
	}
	byID := map[int64]*yanglao.Person{}
	args := make([]any, len(people))
	for i, p := range people {
		byID[p.ID], args[i] = p, p.ID
	}
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	sts, err := queryAll(ctx, tx, scanStatus, `SELECT `+statusCols+` FROM person_statuses WHERE person_id IN (`+inList(len(args))+`) ORDER BY start_date, id`, args...)
	if err != nil {
		return err
	}
	for _, st := range sts {
		p := byID[st.PersonID]
		p.Statuses = append(p.Statuses, st)
	}
	return nil
}

// describeFilter writes a search for the audit log, masking a searched ID or phone.
func describeFilter(f yanglao.PersonFilter) string {
	var parts []string
	add := func(k, v string) {
		if v != "" {
			parts = append(parts, k+"="+v)
		}
	}
	q := strings.TrimSpace(f.Query)
	if strings.IndexFunc(q, func(r rune) bool { return r >= '0' && r <= '9' }) >= 0 {
		q = yanglao.MaskPhone(q)
	}
	add("q", q)
	add("region", f.RegionCode)
	add("status", f.Status)
	add("life", f.Life)
	if f.MinAge > 0 {
		add("min_age", strconv.Itoa(f.MinAge))
	}
	if f.MaxAge > 0 {
		add("max_age", strconv.Itoa(f.MaxAge))
	}
	if f.Grade != nil {
		add("grade", strconv.Itoa(*f.Grade))
	}
	add("sort", f.Sort)
	if len(parts) == 0 {
		return "all in scope"
	}
	return strings.Join(parts, " ")
}
