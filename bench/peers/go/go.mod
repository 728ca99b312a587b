module lbrxgopeer

go 1.21

require github.com/liftbridge-io/go-liftbridge/v2 v2.3.0
