package org.rsna22.batch;

import java.util.concurrent.atomic.AtomicLong;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.rsna22.io.IoErrors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.util.ErrorHandler;

/**
 * A worker's polls while the broker is away (restarted, unreachable): one warning when the polls start failing and
 * then once a minute, and one line when a poll succeeds again, instead of a stack trace per poll (twenty a second).
 * The poller goes on polling; the connection factory reconnects by itself.
 */
final class BrokerOutageLog implements ErrorHandler {

    private static final Logger LOG = LoggerFactory.getLogger(BrokerOutageLog.class);
    private static final long REPEAT_MILLIS = 60_000;

    private final String broker;
    private final AtomicLong failingSince = new AtomicLong();
    private final AtomicLong lastLogged = new AtomicLong();

    BrokerOutageLog(String broker) {
        this.broker = broker;
    }

    @Override
    public void handleError(Throwable t) {
        long now = System.currentTimeMillis();
        failingSince.compareAndSet(0, now);
        long last = lastLogged.get();
        if ((last == 0 || now - last >= REPEAT_MILLIS) && lastLogged.compareAndSet(last, now)) {
            LOG.warn("cannot take partition requests from the broker at {} for {} s: {}; polling on", broker,
                    (now - failingSince.get()) / 1000, IoErrors.rootMessage(t));
        }
    }

    /** After a poll that did not fail: says that the broker is back if it was away. */
    void pollSucceeded() {
        long since = failingSince.getAndSet(0);
        if (since != 0) {
            lastLogged.set(0);
            LOG.info("the broker at {} is back after {} s: taking partition requests again", broker,
                    (System.currentTimeMillis() - since) / 1000);
        }
    }

    /** Tells {@link BrokerOutageLog} about every poll that ended without an error. */
    static final class BackAdvice implements MethodInterceptor {
        private final BrokerOutageLog log;

        BackAdvice(BrokerOutageLog log) {
            this.log = log;
        }

        @Override
        public Object invoke(MethodInvocation invocation) throws Throwable {
            Object result = invocation.proceed();
            log.pollSucceeded();
            return result;
        }
    }
}
