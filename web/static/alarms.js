// The operator board: rows arrive over server-sent events (/alarms/stream); a
// new waiting case plays a short tone (WebAudio oscillator, no sound file) once
// the operator has turned sound on (browsers only allow audio after a click).
(function () {
  'use strict';
  function start() {
    var board = document.getElementById('alarm-board');
    if (!board || !window.EventSource) return;
    var tbody = board.querySelector('tbody');
    var status = document.getElementById('board-status');
    var empty = document.getElementById('board-empty');
    var btn = document.getElementById('sound-on');
    var audio = null;
    function beep() {
      if (!audio) return;
      var t = audio.currentTime;
      [0, 0.25].forEach(function (d) {
        var o = audio.createOscillator(), g = audio.createGain();
        o.type = 'square'; o.frequency.value = 880;
        g.gain.setValueAtTime(0.08, t + d); g.gain.setValueAtTime(0, t + d + 0.18);
        o.connect(g); g.connect(audio.destination);
        o.start(t + d); o.stop(t + d + 0.2);
      });
    }
    if (btn) btn.addEventListener('click', function () {
      if (!audio) audio = new (window.AudioContext || window.webkitAudioContext)();
      audio.resume();
      btn.setAttribute('aria-pressed', 'true');
      beep();
    });
    var es = new EventSource(board.getAttribute('data-stream'));
    es.onopen = function () { status.textContent = status.getAttribute('data-live'); };
    es.onerror = function () { status.textContent = status.getAttribute('data-down'); };
    es.addEventListener('resync', function () { location.reload(); });
    es.addEventListener('case', function (e) {
      var tmp = document.createElement('tbody');
      tmp.innerHTML = e.data;
      var row = tmp.querySelector('tr');
      if (!row) return;
      var old = document.getElementById(row.id);
      var closed = row.getAttribute('data-status') === 'closed';
      if (old) {
        if (closed) old.remove(); else old.replaceWith(row);
      } else if (!closed) {
        tbody.insertBefore(row, tbody.firstChild);
        if (row.getAttribute('data-status') === 'received') {
          beep();
          status.textContent = status.getAttribute('data-new') + ' ' + row.querySelector('td').textContent;
        }
      }
      empty.hidden = tbody.querySelector('tr') !== null;
    });
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start); else start();
})();
