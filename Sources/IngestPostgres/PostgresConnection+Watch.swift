import CLibPQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension PostgresConnection {
    /// Waits up to `milliseconds` on an idle connection's socket and says whether the connection
    /// is still usable: false once the server closed it (a terminated backend, a restart) or the
    /// socket failed (keepalive probes unanswered: ``TCPKeepalive``). Blocks the calling thread;
    /// woken by the socket, not by polling the server.
    public func waitWhileOpen(milliseconds: Int) -> Bool {
        guard let handle, PQstatus(handle) == CONNECTION_OK else { return false }
        var descriptor = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
        guard descriptor.fd >= 0 else { return false }
        let ready = poll(&descriptor, 1, Int32(clamping: milliseconds))
        guard ready > 0 else { return true }  // timeout (or EINTR): nothing happened
        // Something arrived: a notice, or the end. Reading it tells which.
        if PQconsumeInput(handle) == 0 || PQstatus(handle) != CONNECTION_OK { return false }
        while let notification = PQnotifies(handle) { PQfreemem(notification) }
        return descriptor.revents & Int16(POLLERR | POLLHUP) == 0
    }
}
