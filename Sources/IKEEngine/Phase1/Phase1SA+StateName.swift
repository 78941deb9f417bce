/// The state names `ikeadm dump p1` shows, as Solaris names them.
extension Phase1SA {
    var stateName: String {
        switch state {
        case .negotiating(.initiator(let machine)): machine.stateName
        case .negotiating(.responder(let machine)): machine.stateName
        case .established: "ACTIVE"
        case .dead: "DELETED"
        }
    }
}

extension MainModeInitiator {
    var stateName: String {
        switch state {
        case .sentSA, .awaitingKey: "SENT FIRST MSG (SA)"
        case .sentKE, .computing, .signing: "SENT SECOND MSG (KE)"
        case .sentAuth, .verifying: "SENT FINAL MSG"
        case .finished: "DELETED"
        }
    }
}

extension MainModeResponder {
    var stateName: String {
        switch state {
        case .sentSA: "SENT FIRST MSG (SA)"
        case .computing, .sentKE, .authenticating: "SENT SECOND MSG (KE)"
        case .finished: "DELETED"
        }
    }
}
