;; Never returns. Its route has `timeout = "100ms"`: the server must stop it
;; and answer 504 while it keeps serving everything else.
(module
  (func (export "_start")
    (loop $forever
      (br $forever))))
