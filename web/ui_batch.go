package web

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/benefits"
	"github.com/yanglao/yanglao/sqldb"
)

// The batch pages (issue 4, item 7): the list with a run form, and one
// batch with its progress (htmx polls while running), totals by child region
// and item, held lines, approval, bank files and reconciliation.

type batchListData struct {
	Items        []*yanglao.Batch
	Next         string
	Region       string
	Month        string
	Error        string
	RegionPicker string
}

func (s *Server) pageBatches(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.batches()
	if err != nil {
		return err
	}
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	items, next, err := svc.Batches(r.Context(), yanglao.BatchFilter{Page: page})
	if err != nil {
		return err
	}
	d := &batchListData{Items: items, Next: next, Month: benefits.MonthOf(yanglao.DateOf(time.Now())).String()}
	if a := yanglao.ActorFromContext(r.Context()); a != nil {
		d.Region = a.RegionCode
	}
	return s.render(w, http.StatusOK, "batch-list", s.newPage(r, "发放批次", "Payment batches", d))
}

func (s *Server) postBatch(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	b, err := s.startBatch(r, r.PostForm.Get("region_code"), r.PostForm.Get("month"))
	if err != nil {
		svc, _ := s.batches()
		items, next, _ := svc.Batches(r.Context(), yanglao.BatchFilter{})
		d := &batchListData{Items: items, Next: next, Region: r.PostForm.Get("region_code"), Month: r.PostForm.Get("month"),
			Error: localMsg(lang(r), yanglao.ErrorMessage(err))}
		return s.render(w, http.StatusUnprocessableEntity, "batch-list", s.newPage(r, "发放批次", "Payment batches", d))
	}
	seeOther(w, r, fmt.Sprintf("/batches/%d", b.ID))
	return nil
}

type batchViewData struct {
	B          *yanglao.Batch
	Totals     *yanglao.BatchTotals
	Held       []*yanglao.PaymentLine
	Percent    int
	Running    bool
	CanApprove bool
	Flash      string
	Rec        *yanglao.Reconciliation
}

func (s *Server) batchView(r *http.Request) (*batchViewData, error) {
	svc, err := s.batches()
	if err != nil {
		return nil, err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	b, err := svc.Batch(r.Context(), id)
	if err != nil {
		return nil, err
	}
	d := &batchViewData{B: b, Running: b.Status == yanglao.BatchRunning}
	if b.PeopleTotal > 0 {
		d.Percent = min(100, b.Progress*100/b.PeopleTotal)
	} else if !d.Running {
		d.Percent = 100
	}
	if !d.Running {
		if d.Totals, err = svc.BatchTotals(r.Context(), id); err != nil {
			return nil, err
		}
		if d.Held, _, err = svc.BatchLines(r.Context(), id, yanglao.LineFilter{Status: yanglao.LineHeld, Page: yanglao.Page{Limit: 100}}); err != nil {
			return nil, err
		}
		a := yanglao.ActorFromContext(r.Context())
		d.CanApprove = b.Status == yanglao.BatchComputed && a != nil && a.UserID != 0 && (b.RunBy == nil || *b.RunBy != a.UserID)
	}
	return d, nil
}

func (s *Server) pageBatch(w http.ResponseWriter, r *http.Request) error {
	d, err := s.batchView(r)
	if err != nil {
		return err
	}
	d.Flash = r.URL.Query().Get("flash")
	return s.render(w, http.StatusOK, "batch-view", s.newPage(r, fmt.Sprintf("发放批次 %d", d.B.ID), fmt.Sprintf("Payment batch %d", d.B.ID), d))
}

// pageBatchProgress is the part of the batch page that htmx polls.
func (s *Server) pageBatchProgress(w http.ResponseWriter, r *http.Request) error {
	d, err := s.batchView(r)
	if err != nil {
		return err
	}
	if !d.Running {
		// Finished: reload the whole page for the totals.
		w.Header().Set("HX-Redirect", fmt.Sprintf("/batches/%d", d.B.ID))
	}
	return s.render(w, http.StatusOK, "batch-progress", s.newPage(r, "", "", d))
}

func (s *Server) postApproveBatch(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	svc, err := s.batches()
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := svc.ApproveBatch(r.Context(), id); err != nil {
		return err
	}
	seeOther(w, r, "/batches/"+strconv.FormatInt(id, 10)+"?flash=approved")
	return nil
}

func (s *Server) postReconcileBatch(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	rec, err := s.reconcile(w, r, id)
	if err != nil {
		return err
	}
	d, err := s.batchView(r)
	if err != nil {
		return err
	}
	d.Rec = rec
	return s.render(w, http.StatusOK, "batch-view", s.newPage(r, fmt.Sprintf("发放批次 %d", id), fmt.Sprintf("Payment batch %d", id), d))
}

func yuan(fen int64) string { return sqldb.FenText(fen) }

type totalsTableData struct {
	Lang string
	Rows []yanglao.BatchTotal
	All  yanglao.BatchTotal
}

func totalsTable(lang string, rows []yanglao.BatchTotal, all yanglao.BatchTotal) totalsTableData {
	return totalsTableData{lang, rows, all}
}
