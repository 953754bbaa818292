;; Traps at once, before writing anything: the server must answer 500.
(module
  (func (export "_start")
    unreachable))
