// Original file: proto/raft.proto


export interface RaftAck {
}

export interface RaftAck__Output {
}
