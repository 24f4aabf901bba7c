import { setDefaultTimeout } from 'bun:test'

// Many tests start the compiled server or a python3 writer; on a busy 2-core machine 5 s is too tight.
setDefaultTimeout(60_000)
