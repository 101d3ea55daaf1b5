package dev.vllava.model;

import dev.vllava.engine.Engine;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicInteger;

/** An engine that forwards every call to another and counts the calls that take engine memory ({@code allocate}, {@code upload}). */
final class CountingEngine {
    private final AtomicInteger allocations = new AtomicInteger();
    private final Engine engine;

    CountingEngine(Engine target) {
        this.engine = (Engine) Proxy.newProxyInstance(Engine.class.getClassLoader(), new Class<?>[] {Engine.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("allocate") || method.getName().equals("upload")) {
                        allocations.incrementAndGet();
                    }
                    try {
                        return method.invoke(target, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    Engine engine() {
        return engine;
    }

    /** Allocations since the last call (or since creation). */
    int takeAllocations() {
        return allocations.getAndSet(0);
    }
}
