package register

import (
	"context"
	"io"
	"time"

	"github.com/yanglao/yanglao"
)

// Job statuses.
const (
	Running     = "running"
	Done        = "done"
	Rejected    = "rejected"    // all-or-nothing and some rows were rejected: nothing was imported
	Failed      = "failed"      // the file could not be read, or an internal error
	Interrupted = "interrupted" // stopped midway (shutdown, cancelled); uploading the same file resumes it
)

// Job phases.
const (
	PhaseChecking = "checking" // all-or-nothing: every row is checked before anything is written
	PhaseWriting  = "writing"
)

// Job is one import of a file. Counters count data rows (the header excluded).
type Job struct {
	ID         int64      `json:"id"`
	Kind       Kind       `json:"kind"`
	Mode       Mode       `json:"mode"`
	Format     Format     `json:"format"`
	FileName   string     `json:"file_name"`
	SHA256     string     `json:"file_sha256"`
	UserID     *int64     `json:"user_id,omitempty"`
	Username   string     `json:"username"`
	RegionPath string     `json:"-"`
	Status     string     `json:"status"`
	Phase      string     `json:"phase,omitempty"`
	Total      int        `json:"rows_total"` // an estimate while running
	Done       int        `json:"rows_done"`
	LastRow    int        `json:"last_row"`
	Created    int        `json:"rows_created"`
	Updated    int        `json:"rows_updated"`
	Same       int        `json:"rows_unchanged"`
	Rejected   int        `json:"rows_rejected"`
	Error      string     `json:"error,omitempty"`
	Resumed    bool       `json:"resumed,omitempty"` // this upload continued an interrupted job
	Runner     string     `json:"-"`
	StartedAt  time.Time  `json:"started_at"`
	Heartbeat  time.Time  `json:"heartbeat_at"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
}

// Finished reports whether the job has stopped for good or for now.
func (j *Job) Finished() bool { return j.Status != Running }

// Percent is the progress in whole percent, for the progress bar.
func (j *Job) Percent() int {
	if j.Status == Done || j.Status == Rejected {
		return 100
	}
	if j.Total <= 0 {
		return 0
	}
	p := 100 * j.Done / j.Total
	if j.Phase == PhaseChecking {
		p /= 2
	} else if j.Mode == AllOrNothing {
		p = 50 + p/2
	}
	return min(max(p, 0), 99)
}

// Upload is a file handed to the importer. File must stay readable until the
// job ends: an all-or-nothing import reads it twice.
type Upload struct {
	Kind     Kind
	Mode     Mode
	Format   Format // "" to tell from the content
	FileName string
	File     io.ReaderAt
	Size     int64
	SHA256   string // hex; computed when empty
}

// Service imports and exports the register. sqldb.PersonService implements it.
type Service interface {
	// BeginImport checks the upload's header, then creates the job — or finds
	// the interrupted job of the same file, user, kind and mode and resumes it.
	BeginImport(ctx context.Context, u *Upload) (*Job, error)
	// RunImport runs a begun job to its end and returns its final state.
	RunImport(ctx context.Context, job *Job, u *Upload) (*Job, error)
	// ImportJob reads a job, within the actor's scope.
	ImportJob(ctx context.Context, id int64) (*Job, error)
	// ImportJobs lists jobs newest first, within the actor's scope.
	ImportJobs(ctx context.Context, page yanglao.Page) ([]*Job, string, error)
	// ImportRejects calls each for every rejected row of a job, in row order.
	ImportRejects(ctx context.Context, id int64, each func(Reject) error) error
	// ExportPeople audits an export and then calls each for every person the
	// search finds, with ID and phones masked and statuses loaded, page by page.
	ExportPeople(ctx context.Context, f yanglao.PersonFilter, format Format, each func(*yanglao.Person) error) error
}
