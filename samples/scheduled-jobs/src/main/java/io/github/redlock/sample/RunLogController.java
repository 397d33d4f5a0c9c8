package io.github.redlock.sample;

import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** Serves this instance's run log. */
@RestController
class RunLogController {

    private final RunLog runLog;

    RunLogController(RunLog runLog) {
        this.runLog = runLog;
    }

    @GetMapping(path = "/runs", produces = MediaType.TEXT_PLAIN_VALUE)
    String runs() {
        return runLog.toCsv();
    }
}
